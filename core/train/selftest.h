#pragma once
// The core's invariant checks on real devices, for `gossiplab-cli selftest`: lets a user verify a
// GPU server (where Qt may not be installed) and runs in the CPU test suite so it cannot rot.

#include <functional>
#include <string>
#include <vector>

namespace gossiplab {

struct SelfTestCheck {
    std::string name;
    bool passed = false;
    std::string detail;  // the measured figure against its bound
    double seconds = 0.0;
};

// devices: as RunConfig::devices ("cpu", "cuda", "cuda:0,cuda:1"); workers: M for every check
// (0: 2 per device, at least 4). `on_check` is called after each check (for live output).
std::vector<SelfTestCheck> runSelfTest(const std::string& devices, int workers,
                                       const std::function<void(const SelfTestCheck&)>& on_check = {});

}  // namespace gossiplab
