#include "ui/live/distributed_setup.h"

#include "core/train/run_settings.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <charconv>

#include <QCoreApplication>
#include <QDir>
#include <QRegularExpression>

namespace gossiplab::ui {

namespace {

// Shortest text that reads back as the same double (what the CLI's strtod gets).
QString number(double v) {
    char buffer[64];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
    if (ec != std::errc()) return QString::number(v, 'g', 17);
    return QString::fromLatin1(buffer, int(end - buffer));
}

QString text(const std::string& s) { return QString::fromStdString(s); }

}  // namespace

std::string DistributedSetup::masterHost() const { return mode == Mode::Local ? std::string("127.0.0.1") : master_host; }

DistributedOptions DistributedSetup::rankZeroOptions(int port) const {
    DistributedOptions o;
    o.world = enabled ? world : 1;
    o.rank = 0;
    o.master_host = masterHost();
    o.master_port = port > 0 ? port : master_port;
    o.bind = mode == Mode::Local ? std::string("127.0.0.1") : bind;
    o.iface = mode == Mode::Local ? std::string() : iface;
    o.join_timeout_s = join_timeout_s;
    o.peer_timeout_s = peer_timeout_s;
    o.token = token;
    return o;
}

std::vector<ConfigError> validate(const DistributedSetup& setup, const RunConfig& config) {
    std::vector<ConfigError> errors;
    if (!setup.enabled) return errors;
    if (setup.world == 1)
        errors.push_back({"world", "world is 1; allowed range: 2 to 64 processes (this one included) for a run over several processes"});
    // An automatic port (Local) is checked once it is chosen.
    DistributedOptions o = setup.rankZeroOptions(setup.master_port == 0 ? 29500 : 0);
    if (setup.mode == DistributedSetup::Mode::Host && setup.master_port == 0)
        errors.push_back({"master", "port is 0; allowed range: 1 to 65535 (the other machines must know it)"});
    for (ConfigError& e : gossiplab::validate(o)) {
        if (e.field == "rank") continue;  // always 0 here
        if (e.field == "master" && setup.mode == DistributedSetup::Mode::Host && o.master_host.empty())
            e.message = "the address the other machines reach this one at is needed (an IP address or host name)";
        errors.push_back(e);
    }
    if (setup.mode == DistributedSetup::Mode::Local && setup.world >= 2 && setup.world <= 64 &&
        int64_t(setup.world) * config.workers > 64)
        errors.push_back({"world", "world is " + std::to_string(setup.world) + " processes of " + std::to_string(config.workers) +
                                       " workers = " + std::to_string(int64_t(setup.world) * config.workers) +
                                       " workers; allowed: at most 64 workers in all"});
    return errors;
}

QStringList configFlags(const RunConfig& c) {
    // Every setting that differs from its default, as the flag that sets it (the settings table
    // says which are flags); the workers always, as each process has its own.
    const RunConfig defaults;
    QStringList out;
    for (const RunSetting& s : runSettings()) {
        if (!s.flag) continue;
        const std::string mine = s.get(c);
        if (s.key != "workers" && mine == s.get(defaults)) {
            // The budget's flags show only their own kind: --epochs 1 (the default) is left out.
            continue;
        }
        if (s.kind == SettingKind::Switch) {
            if (mine == "true") out << QStringLiteral("--%1").arg(text(s.key));
            continue;
        }
        if (mine.empty() && !s.stored) continue;  // a budget flag of another kind
        // The short name where there is one (--lr): these commands are read and typed by people.
        out << QStringLiteral("--%1").arg(text(s.aliases.empty() ? s.key : s.aliases.front())) << text(mine);
    }
    return out;
}

QStringList otherRankArguments(const RunConfig& config, const DistributedSetup& setup, int rank, int port) {
    const DistributedOptions o = setup.rankZeroOptions(port);
    const DistributedOptions defaults;
    QStringList args{QStringLiteral("run")};
    args << configFlags(config);
    QString host = text(o.master_host);
    if (host.contains(':')) host = "[" + host + "]";  // IPv6
    args << "--world" << QString::number(setup.world) << "--rank" << QString::number(rank) << "--master"
         << host + ":" + QString::number(o.master_port);
    if (o.join_timeout_s != defaults.join_timeout_s) args << "--join-timeout" << number(o.join_timeout_s);
    if (o.peer_timeout_s != defaults.peer_timeout_s) args << "--peer-timeout" << number(o.peer_timeout_s);
    if (!o.token.empty()) args << "--token" << text(o.token);
    return args;
}

QString shellQuote(const QString& a) {
    static const QRegularExpression plain(QStringLiteral("^[A-Za-z0-9_./:,=@%+\\-]+$"));
    if (plain.match(a).hasMatch()) return a;
    QString quoted = a;
    quoted.replace('\'', QStringLiteral("'\\''"));
    return "'" + quoted + "'";
}

QString otherRankCommand(const RunConfig& config, const DistributedSetup& setup, int rank, int port, const QString& program) {
    QStringList parts{shellQuote(program)};
    for (const QString& a : otherRankArguments(config, setup, rank, port)) parts << shellQuote(a);
    return parts.join(' ');
}

std::string guessLocalAddress() {
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) return {};
    std::string found;
    for (ifaddrs* a = list; a && found.empty(); a = a->ifa_next) {
        if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET) continue;
        if ((a->ifa_flags & IFF_UP) == 0 || (a->ifa_flags & IFF_LOOPBACK) != 0) continue;
        char buffer[INET_ADDRSTRLEN] = {};
        const auto* in = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
        if (inet_ntop(AF_INET, &in->sin_addr, buffer, sizeof buffer)) found = buffer;
    }
    freeifaddrs(list);
    return found;
}

QString defaultCliPath() { return QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("gossiplab-cli")); }

}  // namespace gossiplab::ui
