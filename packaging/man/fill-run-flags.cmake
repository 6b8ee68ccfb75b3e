# Fills gossiplab-cli(1)'s RUN FLAGS section from the program's own flag table, so that the man
# page lists exactly the flags, defaults and ranges of the build it ships with.
#   cmake -DCLI=gossiplab-cli -DIN=page.in-configured -DOUT=page -P fill-run-flags.cmake
execute_process(COMMAND ${CLI} run --man-section OUTPUT_VARIABLE flags RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${CLI} run --man-section failed (${rc})")
endif()
file(READ ${IN} page)
string(REPLACE "%RUN_FLAGS%\n" "${flags}" page "${page}")
file(WRITE ${OUT} "${page}")
