#pragma once
// The configuration table of the compare view: one column per run (headed in the run's colour),
// one row per config key; rows whose values differ are bold on a tinted background, equal rows
// greyed, or hidden with the switch. The final metrics follow under their own heading, always
// shown (they are what the comparison is about).

#include <map>
#include <string>
#include <vector>

#include <QColor>
#include <QStringList>
#include <QTableWidget>

#include "core/store/history_types.h"
#include "ui/model/config_diff.h"

namespace gossiplab::ui {

class ConfigTable final : public QTableWidget {
    Q_OBJECT
public:
    explicit ConfigTable(QWidget* parent = nullptr);

    void setRuns(const std::vector<store::RunRecord>& runs, const std::vector<std::map<std::string, std::string>>& configs,
                 const std::vector<QColor>& colors);
    void setHideEqual(bool hide);
    bool hideEqual() const { return hide_equal_; }

    // The config keys shown as differing; and all config keys.
    QStringList differingKeys() const;
    QStringList configKeys() const;
    // The table row of a config key or metric label (-1 if none).
    int rowOf(const QString& key) const;
    int configRowCount() const { return int(rows_.size()); }
    int metricRowCount() const { return metric_rows_; }

private:
    void applyHiding();

    std::vector<ConfigRow> rows_;
    int metrics_heading_row_ = -1;
    int metric_rows_ = 0;
    bool hide_equal_ = false;
};

}  // namespace gossiplab::ui
