# The Debian package: `cmake --build --preset release --target package` (or `cpack` in a build
# folder) writes gossiplab_<version>_<arch>.deb. packaging/check-package.sh checks it.

set(_pkg ${PROJECT_BINARY_DIR}/packaging)
file(MAKE_DIRECTORY ${_pkg})

# Files that carry the version, and the gzipped documents Debian policy asks for.
configure_file(${CMAKE_CURRENT_LIST_DIR}/linux/org.gossiplab.GossipLab.metainfo.xml ${_pkg}/org.gossiplab.GossipLab.metainfo.xml @ONLY)
configure_file(${CMAKE_CURRENT_LIST_DIR}/man/gossiplab.1.in ${_pkg}/gossiplab.1 @ONLY)
configure_file(${CMAKE_CURRENT_LIST_DIR}/changelog.in ${_pkg}/changelog @ONLY)
find_program(GZIP_PROGRAM gzip REQUIRED)
foreach(doc gossiplab.1 changelog)
  execute_process(COMMAND ${GZIP_PROGRAM} -9nf -k ${_pkg}/${doc})
endforeach()
# gossiplab-cli(1): its RUN FLAGS section comes from the built program's own flag table.
configure_file(${CMAKE_CURRENT_LIST_DIR}/man/gossiplab-cli.1.in ${_pkg}/gossiplab-cli.1.in @ONLY)
add_custom_command(
  OUTPUT ${_pkg}/gossiplab-cli.1.gz
  COMMAND ${CMAKE_COMMAND} -DCLI=$<TARGET_FILE:gossiplab-cli> -DIN=${_pkg}/gossiplab-cli.1.in -DOUT=${_pkg}/gossiplab-cli.1
          -P ${CMAKE_CURRENT_LIST_DIR}/man/fill-run-flags.cmake
  COMMAND ${GZIP_PROGRAM} -9nf -k ${_pkg}/gossiplab-cli.1
  DEPENDS gossiplab-cli ${_pkg}/gossiplab-cli.1.in ${CMAKE_CURRENT_LIST_DIR}/man/fill-run-flags.cmake
  COMMENT "gossiplab-cli(1) with the flags of this build")
add_custom_target(gossiplab_man_pages ALL DEPENDS ${_pkg}/gossiplab-cli.1.gz)

if(GOSSIPLAB_WITH_QT)
  install(FILES ${_pkg}/gossiplab.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
  install(FILES ${_pkg}/org.gossiplab.GossipLab.metainfo.xml DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/metainfo)
  install(DIRECTORY ${CMAKE_CURRENT_LIST_DIR}/icons/hicolor DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/icons)
endif()
install(FILES ${_pkg}/gossiplab-cli.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${CMAKE_CURRENT_LIST_DIR}/copyright ${_pkg}/changelog.gz
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/gossiplab)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME gossiplab)
set(CPACK_PACKAGE_VENDOR "The GossipLab developers")
set(CPACK_PACKAGE_CONTACT "The GossipLab developers <dev@gossiplab.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "desktop lab for gossip SGD (GoSGD), EASGD and naive training")
set(CPACK_PACKAGE_DESCRIPTION "GossipLab trains one neural network with several workers on
threads, using GoSGD (gossip stochastic gradient descent), EASGD/EAMSGD
or no communication, and shows per-worker losses, sum weights and the
pairwise distances between the workers' weights live. Every run is
recorded in an SQLite history that can be compared and exported.
gossiplab-cli is the headless twin for servers.")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://gossiplab.org/")
# Runtime dependencies are computed from the binaries by dpkg-shlibdeps, not written by hand.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# ... and one they cannot see: LibTorch calls whatever libblas.so.3 is installed, the slow
# reference BLAS by default. OpenBLAS's OpenMP flavour shares LibTorch's OpenMP threads (each
# worker's one intra-op thread), where the pthreads flavour would start its own per call.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libopenblas0-openmp")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "dataset-fashion-mnist")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
