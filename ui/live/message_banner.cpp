#include "ui/live/message_banner.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QToolButton>
#include <QVBoxLayout>

namespace gossiplab::ui {

MessageBanner::MessageBanner(QWidget* parent) : QFrame(parent) {
    setObjectName("messageBanner");
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(10, 6, 6, 6);
    auto* texts = new QVBoxLayout;
    texts->setSpacing(1);
    title_ = new QLabel(this);
    title_->setObjectName("bannerTitle");
    QFont bold = title_->font();
    bold.setBold(true);
    title_->setFont(bold);
    text_ = new QLabel(this);
    text_->setObjectName("bannerText");
    text_->setWordWrap(true);
    text_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    texts->addWidget(title_);
    texts->addWidget(text_);
    layout->addLayout(texts, 1);
    auto* close = new QToolButton(this);
    close->setText(QStringLiteral("\u2715"));
    close->setAutoRaise(true);
    close->setToolTip(tr("Dismiss"));
    layout->addWidget(close, 0, Qt::AlignTop);
    connect(close, &QToolButton::clicked, this, &MessageBanner::dismiss);
    hide();
}

void MessageBanner::showMessage(Kind kind, const QString& title, const QString& text) {
    const char* style = kind == Kind::Error     ? "QFrame#messageBanner { background: #FDECEA; border: 1px solid #E8A39D; border-radius: 4px; } QLabel { color: #7A1712; }"
                        : kind == Kind::Warning ? "QFrame#messageBanner { background: #FFF6DB; border: 1px solid #E6C35C; border-radius: 4px; } QLabel { color: #5C4500; }"
                                                : "QFrame#messageBanner { background: #EAF2FB; border: 1px solid #9DBEE3; border-radius: 4px; } QLabel { color: #1F3F66; }";
    setStyleSheet(QString::fromLatin1(style));
    title_->setText(title);
    text_->setText(text);
    text_->setVisible(!text.isEmpty());
    show();
}

void MessageBanner::dismiss() {
    hide();
    title_->clear();
    text_->clear();
}

QString MessageBanner::text() const {
    if (isHidden()) return {};
    return title_->text() + "\n" + text_->text();
}

}  // namespace gossiplab::ui
