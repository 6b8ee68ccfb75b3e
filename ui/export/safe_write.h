#pragma once
// Writing export files the one safe way: the bytes go to a temporary file beside the target and
// are renamed into place (QSaveFile), so a failed export (read-only folder, full disk) never
// leaves a truncated file that looks complete, and the reason comes back as a sentence naming
// the file. Asking before overwriting is a separate step (OverwritePolicy), so tests and the CLI
// can answer it without a dialog.

#include <functional>

#include <QByteArray>
#include <QString>
#include <QStringList>

class QWidget;

namespace gossiplab::ui {

// "" on success, else "Could not write FILE: reason".
QString writeFileSafely(const QString& path, const QByteArray& bytes);

// Why a folder cannot take new files ("" when it can): missing and not creatable, not a folder,
// not writable.
QString folderProblem(const QString& folder);

// Asked with the files that already exist; true: overwrite them all.
using OverwriteQuestion = std::function<bool(const QStringList& existing)>;

// A message box that lists the files (parent may be null).
OverwriteQuestion askWithDialog(QWidget* parent);
// For tests and scripts.
OverwriteQuestion alwaysOverwrite();
OverwriteQuestion neverOverwrite();

// True when none of `paths` exists, or the question says to overwrite them.
bool mayWrite(const QStringList& paths, const OverwriteQuestion& ask);

}  // namespace gossiplab::ui
