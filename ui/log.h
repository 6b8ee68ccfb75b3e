#pragma once
// Logging categories of the desktop app. Enable with QT_LOGGING_RULES="gossiplab.ui*=true".

#include <QLoggingCategory>

namespace gossiplab::ui {

Q_DECLARE_LOGGING_CATEGORY(lcUi)      // gossiplab.ui: the window, settings, start-up
Q_DECLARE_LOGGING_CATEGORY(lcUiRun)   // gossiplab.ui.run: a run's life as the app sees it
Q_DECLARE_LOGGING_CATEGORY(lcUiPlot)  // gossiplab.ui.plot: plot buffers, refreshes, timings

}  // namespace gossiplab::ui
