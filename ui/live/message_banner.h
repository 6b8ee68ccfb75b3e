#pragma once
// A strip above the plots that says what went wrong (a run that failed, diverged or could not
// start; a recording problem) in the window itself, not only in a log. Dismissable.

#include <QFrame>
#include <QString>

class QLabel;

namespace gossiplab::ui {

class MessageBanner final : public QFrame {
    Q_OBJECT
public:
    enum class Kind { Error, Warning, Info };

    explicit MessageBanner(QWidget* parent = nullptr);
    void showMessage(Kind kind, const QString& title, const QString& text);
    void dismiss();
    QString text() const;  // title and text, for tests

private:
    QLabel* title_ = nullptr;
    QLabel* text_ = nullptr;
};

}  // namespace gossiplab::ui
