#include "ui/export/safe_write.h"

#include <QDir>
#include <QFileInfo>
#include <QMessageBox>
#include <QSaveFile>
#include <QTemporaryFile>

namespace gossiplab::ui {

QString writeFileSafely(const QString& path, const QByteArray& bytes) {
    QSaveFile file(path);
    auto fail = [&](const QString& reason) {
        file.cancelWriting();
        return QObject::tr("Could not write %1: %2").arg(QDir::toNativeSeparators(path), reason);
    };
    if (!file.open(QIODevice::WriteOnly)) return fail(file.errorString());
    if (file.write(bytes) != bytes.size()) return fail(file.errorString());
    if (!file.commit()) return fail(file.errorString());
    return {};
}

QString folderProblem(const QString& folder) {
    const QFileInfo info(folder);
    if (info.exists() && !info.isDir())
        return QObject::tr("%1 is a file, not a folder").arg(QDir::toNativeSeparators(folder));
    if (!info.exists() && !QDir().mkpath(folder))
        return QObject::tr("Could not create the folder %1").arg(QDir::toNativeSeparators(folder));
    // isWritable() reads the mode bits only; a read-only mount or an ACL shows when we try.
    QTemporaryFile probe(QDir(folder).filePath(".gossiplab-write-test-XXXXXX"));
    if (!probe.open())
        return QObject::tr("Cannot write into the folder %1: %2").arg(QDir::toNativeSeparators(folder), probe.errorString());
    return {};
}

OverwriteQuestion askWithDialog(QWidget* parent) {
    return [parent](const QStringList& existing) {
        QStringList shown = existing.mid(0, 12);
        if (existing.size() > shown.size()) shown << QObject::tr("... and %1 more").arg(existing.size() - shown.size());
        const auto answer = QMessageBox::question(
            parent, QObject::tr("Replace existing files?"),
            QObject::tr("%n file(s) already exist:\n\n%1\n\nReplace them?", nullptr, int(existing.size()))
                .arg(shown.join('\n')),
            QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
        return answer == QMessageBox::Yes;
    };
}

OverwriteQuestion alwaysOverwrite() {
    return [](const QStringList&) { return true; };
}

OverwriteQuestion neverOverwrite() {
    return [](const QStringList&) { return false; };
}

bool mayWrite(const QStringList& paths, const OverwriteQuestion& ask) {
    QStringList existing;
    for (const QString& p : paths)
        if (QFileInfo::exists(p)) existing << QDir::toNativeSeparators(p);
    return existing.isEmpty() || (ask && ask(existing));
}

}  // namespace gossiplab::ui
