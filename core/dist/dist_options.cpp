#include "core/dist/dist_options.h"

#include <cmath>
#include <cstdlib>

namespace gossiplab {

bool multiProcessBuilt() { return GOSSIPLAB_MULTIPROCESS_BUILT; }

std::string multiProcessUnavailableReason() {
    return "this build of GossipLab has no multi-process support: it was built without Gloo's headers (gloo/*.h), "
           "which PyTorch's own builds do not install; rebuild with Gloo's headers next to LibTorch's or in the system "
           "(Debian: libgloo-dev; see README, \"On a GPU server\")";
}

std::string runToken(const DistributedOptions& options) {
    if (!options.token.empty()) return options.token;
    const char* env = std::getenv("GOSSIPLAB_RUN_TOKEN");
    return env ? env : "";
}

std::string openRunWarning(const DistributedOptions& options) {
    if (!options.enabled() || !runToken(options).empty()) return "";
    const std::string& host = options.master_host;
    if (host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0) return "";
    return "no run token (--token or GOSSIPLAB_RUN_TOKEN): this run is open to anyone who reaches " + host + ":" +
           std::to_string(options.master_port) + "; give every rank the same --token (README, \"Security and networks\")";
}

std::vector<ConfigError> validate(const DistributedOptions& o) {
    std::vector<ConfigError> errors;
    if (o.world > 1 && !multiProcessBuilt())
        errors.push_back({"world", "world is " + std::to_string(o.world) + "; allowed: 1 only, " + multiProcessUnavailableReason()});
    else if (o.world < 1 || o.world > 64) errors.push_back({"world", "world is " + std::to_string(o.world) + "; allowed range: 1 to 64 processes"});
    if (o.rank < 0 || (o.world >= 1 && o.rank >= o.world))
        errors.push_back({"rank", "rank is " + std::to_string(o.rank) + "; allowed range: 0 to world-1 (" + std::to_string(o.world - 1) + ")"});
    if (o.enabled() && o.master_host.empty())
        errors.push_back({"master", "a run over several processes needs --master HOST:PORT (rank 0's address)"});
    if (o.master_port < 1 || o.master_port > 65535)
        errors.push_back({"master", "port is " + std::to_string(o.master_port) + "; allowed range: 1 to 65535"});
    if (!std::isfinite(o.join_timeout_s) || o.join_timeout_s < 1.0 || o.join_timeout_s > 86400.0)
        errors.push_back({"join-timeout", "join-timeout is " + std::to_string(o.join_timeout_s) + "; allowed range: 1 to 86400 seconds"});
    if (!std::isfinite(o.peer_timeout_s) || o.peer_timeout_s < 0.5 || o.peer_timeout_s > 3600.0)
        errors.push_back({"peer-timeout", "peer-timeout is " + std::to_string(o.peer_timeout_s) + "; allowed range: 0.5 to 3600 seconds"});
    const std::string token = runToken(o);
    bool printable = true;
    for (unsigned char c : token) printable = printable && c > 32 && c < 127;
    if (token.size() > 256 || !printable)
        errors.push_back({"token", "the run token (--token or GOSSIPLAB_RUN_TOKEN) has " + std::to_string(token.size()) +
                                       " characters; allowed: 1 to 256 printable characters without spaces, or none"});
    return errors;
}

bool parseHostPort(const std::string& text, std::string* host, int* port, std::string* error) {
    std::string h, p;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            if (error) *error = "'" + text + "' is not [IPV6]:PORT";
            return false;
        }
        h = text.substr(1, close - 1);
        p = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string::npos || colon == 0) {
            if (error) *error = "'" + text + "' is not HOST:PORT (e.g. 10.0.0.1:29500)";
            return false;
        }
        h = text.substr(0, colon);
        p = text.substr(colon + 1);
    }
    char* end = nullptr;
    const long value = std::strtol(p.c_str(), &end, 10);
    if (p.empty() || *end != '\0' || value < 1 || value > 65535) {
        if (error) *error = "port '" + p + "' is not a number from 1 to 65535";
        return false;
    }
    if (host) *host = h;
    if (port) *port = static_cast<int>(value);
    return true;
}

}  // namespace gossiplab
