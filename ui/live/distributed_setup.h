#pragma once
// What the dashboard needs to host a run over several processes: the "Distributed" settings of
// the form, the DistributedOptions this app's process (always rank 0) runs with, and the exact
// `gossiplab-cli run ...` command line that starts each other rank. No widgets, no Torch.
//
// The app is always rank 0: it hosts the rendezvous (a c10d TCPStore), the EASGD center and the
// history, and runs the form's M workers itself (the core needs at least one worker per
// process). Two ways to get the other ranks:
//   Host:  the user starts them on other machines with the commands shown (copyable);
//   Local: the app starts ranks 1..N-1 itself as gossiplab-cli child processes on 127.0.0.1 and a
//          free port (for trying it out on one machine).

#include <string>
#include <vector>

#include <QString>
#include <QStringList>

#include "core/dist/dist_options.h"
#include "core/train/run_config.h"

namespace gossiplab::ui {

struct DistributedSetup {
    enum class Mode { Host, Local };

    bool enabled = false;
    Mode mode = Mode::Local;
    int world = 2;                  // processes, this one included (2..64)
    std::string master_host;        // Host: the address the other machines reach this one at
    int master_port = 29500;        // Local: 0 picks a free port at start
    std::string bind;               // Gloo's listen address here (empty: automatic)
    std::string iface;              // or Gloo's network interface here
    double join_timeout_s = 60.0;
    double peer_timeout_s = 5.0;
    // The run token (--token): every process must give it; rank 0 refuses a process that does not
    // know it. Made at random when the dialog first opens, remembered with the rest.
    std::string token;

    bool local() const { return enabled && mode == Mode::Local; }
    // Where the others reach rank 0: 127.0.0.1 for Local.
    std::string masterHost() const;
    // This process's options (rank 0); `port` > 0: the port chosen for the run (Local: 0 in the form means automatic).
    DistributedOptions rankZeroOptions(int port = 0) const;
    bool operator==(const DistributedSetup&) const = default;
};

// Every problem with the setup, with the form's field names: validate(DistributedOptions)'s
// ("world", "master", "join-timeout", "peer-timeout") and the dashboard's own (world at least 2,
// at most 64 workers in all for Local, where every process runs the form's M workers).
std::vector<ConfigError> validate(const DistributedSetup& setup, const RunConfig& config);

// The flags that give `gossiplab-cli run` this config: every setting that differs from the
// defaults (RunConfig{}), plus --workers always. In a fixed order.
QStringList configFlags(const RunConfig& config);
// The arguments (after the program) that start rank `rank` of this run: `run`, configFlags(),
// then --world, --rank, --master HOST:PORT and the timeouts when not the defaults.
QStringList otherRankArguments(const RunConfig& config, const DistributedSetup& setup, int rank, int port = 0);
// The same as one line for a shell: "gossiplab-cli run ..." with POSIX quoting where needed.
QString otherRankCommand(const RunConfig& config, const DistributedSetup& setup, int rank, int port = 0,
                         const QString& program = QStringLiteral("gossiplab-cli"));
QString shellQuote(const QString& argument);

// This machine's first non-loopback IPv4 address (what other machines most likely reach it at),
// or "" when it has none.
std::string guessLocalAddress();
// gossiplab-cli next to this program (QCoreApplication::applicationDirPath()).
QString defaultCliPath();

}  // namespace gossiplab::ui
