#include "ui/history/run_table_model.h"

#include <cmath>

#include <QColor>
#include <QDateTime>
#include <QStringList>

#include "ui/live/run_status_header.h"

namespace gossiplab::ui {

namespace {

QString shortNumber(double v, int digits) { return std::isfinite(v) ? QString::number(v, 'g', digits) : QString(); }

QString joinTags(const std::vector<std::string>& tags) {
    QStringList out;
    for (const auto& t : tags) out << QString::fromStdString(t);
    return out.join(QStringLiteral(", "));
}

}  // namespace

RunTableModel::RunTableModel(QObject* parent) : QAbstractTableModel(parent) {}

QString RunTableModel::statusText(RunStatus status) { return QString::fromStdString(toString(status)); }

QColor RunTableModel::statusColor(RunStatus status) {
    switch (status) {
        case RunStatus::Running: return QColor(0x1F77B4);
        case RunStatus::Finished: return QColor(0x2E7D32);
        case RunStatus::Stopped: return QColor(0x8D6E00);
        case RunStatus::Diverged:
        case RunStatus::Failed: return QColor(0xC62828);
        case RunStatus::Interrupted: return QColor(0x6D4C41);
    }
    return {};
}

void RunTableModel::setRuns(std::vector<RunRow> runs) {
    bool same_ids = runs.size() == runs_.size();
    for (size_t i = 0; same_ids && i < runs.size(); ++i) same_ids = runs[i].record.id == runs_[i].record.id;
    if (same_ids) {
        runs_ = std::move(runs);
        if (!runs_.empty()) Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
        return;
    }
    beginResetModel();
    runs_ = std::move(runs);
    endResetModel();
}

const RunRow* RunTableModel::rowOf(int64_t run_id) const {
    const int i = rowIndex(run_id);
    return i < 0 ? nullptr : &runs_[size_t(i)];
}

int RunTableModel::rowIndex(int64_t run_id) const {
    for (size_t i = 0; i < runs_.size(); ++i)
        if (runs_[i].record.id == run_id) return int(i);
    return -1;
}

int RunTableModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(runs_.size()); }
int RunTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant RunTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= int(runs_.size())) return {};
    const RunRow& row = runs_[size_t(index.row())];
    const store::RunRecord& r = row.record;
    const auto column = Column(index.column());
    if (role == kIdRole) return QVariant::fromValue<qlonglong>(r.id);
    if (role == Qt::TextAlignmentRole) {
        switch (column) {
            case Id: case Workers: case P: case LearningRate: case Duration: case MeanLoss: case TestAccuracy:
                return int(Qt::AlignRight | Qt::AlignVCenter);
            default: return int(Qt::AlignLeft | Qt::AlignVCenter);
        }
    }
    if (role == Qt::ForegroundRole && column == Status) return statusColor(r.status);
    if (role == Qt::ToolTipRole) {
        if (column == Status && !r.message.empty()) return QString::fromStdString(r.message);
        // The whole name (the cell elides long ones in the middle), then the notes.
        if (column == Name)
            return r.notes.empty() ? QString::fromStdString(r.name) : QString::fromStdString(r.name + "\n\n" + r.notes);
        if (column == Tags && !r.tags.empty()) return joinTags(r.tags);
        return {};
    }
    if (role == kSortRole) {
        switch (column) {
            case Id: return QVariant::fromValue<qlonglong>(r.id);
            case Name: return QString::fromStdString(r.name).toLower();
            case Algorithm: return QString::fromStdString(r.algorithm);
            case Workers: return r.workers;
            case P: return std::isfinite(row.p) ? row.p : -1.0;
            case LearningRate: return std::isfinite(row.learning_rate) ? row.learning_rate : -1.0;
            case Status: return statusText(r.status);
            case Started: return std::isfinite(r.started_at) ? r.started_at : (std::isfinite(r.created_at) ? r.created_at : 0.0);
            case Duration: return std::isfinite(r.duration_s) ? r.duration_s : -1.0;
            // Runs without a value sort last in ascending order.
            case MeanLoss: return std::isfinite(r.mean_loss) ? r.mean_loss : 1e300;
            case TestAccuracy: return std::isfinite(r.test_accuracy) ? r.test_accuracy : -1.0;
            case Tags: return joinTags(r.tags).toLower();
            default: return {};
        }
    }
    if (role != Qt::DisplayRole) return {};
    switch (column) {
        case Id: return QVariant::fromValue<qlonglong>(r.id);
        case Name: return QString::fromStdString(r.name);
        case Algorithm: return QString::fromStdString(r.algorithm);
        case Workers: return r.workers;
        case P: return shortNumber(row.p, 4);
        case LearningRate: return shortNumber(row.learning_rate, 4);
        case Status:
            if (r.status == RunStatus::Running && std::isfinite(r.progress))
                return tr("running %1%").arg(std::lround(100 * r.progress));
            return statusText(r.status);
        case Started: {
            const double t = std::isfinite(r.started_at) ? r.started_at : r.created_at;
            return std::isfinite(t) ? QDateTime::fromMSecsSinceEpoch(qint64(t * 1000)).toString("yyyy-MM-dd hh:mm") : QString();
        }
        case Duration: return std::isfinite(r.duration_s) ? RunStatusHeader::formatDuration(r.duration_s) : QString();
        case MeanLoss: return shortNumber(r.mean_loss, 4);
        case TestAccuracy: return std::isfinite(r.test_accuracy) ? QString::number(100 * r.test_accuracy, 'f', 2) + " %" : QString();
        case Tags: return joinTags(r.tags);
        default: return {};
    }
}

QVariant RunTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal) return {};
    if (role == Qt::ToolTipRole) {
        switch (Column(section)) {
            case Workers: return tr("Workers M");
            case P: return tr("Exchange probability p (GoSGD; EASGD: 1/\u03C4; local SGD: 1/H)");
            case LearningRate: return tr("Learning rate");
            case MeanLoss: return tr("Final training loss, mean over the workers");
            case TestAccuracy: return tr("Final test accuracy of the test model");
            default: return {};
        }
    }
    if (role != Qt::DisplayRole) return {};
    switch (Column(section)) {
        case Id: return tr("Id");
        case Name: return tr("Name");
        case Algorithm: return tr("Algorithm");
        case Workers: return tr("M");
        case P: return tr("p");
        case LearningRate: return tr("lr");
        case Status: return tr("Status");
        case Started: return tr("Started");
        case Duration: return tr("Duration");
        case MeanLoss: return tr("Final loss");
        case TestAccuracy: return tr("Accuracy");
        case Tags: return tr("Tags");
        default: return {};
    }
}

}  // namespace gossiplab::ui
