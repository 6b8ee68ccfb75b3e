#pragma once
// The one way ui/ includes QCustomPlot (a big header: only .cpp files include this).
//
// The project builds with QT_NO_KEYWORDS (Torch uses the identifier `slots`), but qcustomplot.h
// itself is written with Qt's keywords (`signals:`, `foreach`). Define them for that header only;
// no Torch header is ever included in ui/, so they cannot collide there.

#if defined(signals) || defined(slots) || defined(emit) || defined(foreach)
#  include <qcustomplot.h>
#else
#  define signals Q_SIGNALS
#  define slots Q_SLOTS
#  define emit Q_EMIT
#  define foreach Q_FOREACH
#  include <qcustomplot.h>
#  undef signals
#  undef slots
#  undef emit
#  undef foreach
#endif
