#include "ui/log.h"

namespace gossiplab::ui {

Q_LOGGING_CATEGORY(lcUi, "gossiplab.ui", QtInfoMsg)
Q_LOGGING_CATEGORY(lcUiRun, "gossiplab.ui.run", QtInfoMsg)
Q_LOGGING_CATEGORY(lcUiPlot, "gossiplab.ui.plot", QtInfoMsg)

}  // namespace gossiplab::ui
