#pragma once
// Small facts about this process's surroundings that the history records with every run and
// experiment: the wall-clock time, a fresh identity, the host's name.

#include <string>

namespace gossiplab {

// Seconds since the Unix epoch (system clock), as the history stores times.
double unixTimeNow();
// 32 random hex digits: a run's or an experiment's identity, distinct across histories, so that
// imported runs never collide.
std::string newUuid();
// This machine's host name; empty when the system does not say.
std::string hostName();

}  // namespace gossiplab
