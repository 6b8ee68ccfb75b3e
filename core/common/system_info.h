#pragma once
// Small facts about this process's surroundings that the history records with every run and
// experiment: the wall-clock time, a fresh identity, the host's name; and a free port for a run's
// rendezvous.

#include <string>

namespace gossiplab {

// Seconds since the Unix epoch (system clock), as the history stores times.
double unixTimeNow();
// 32 random hex digits: a run's or an experiment's identity, distinct across histories, so that
// imported runs never collide.
std::string newUuid();
// This machine's host name; empty when the system does not say.
std::string hostName();
// A TCP port nobody listens on now, for a rendezvous on this machine; 0 if none was found. It is
// drawn below Linux's ephemeral range (32768-60999), where the kernel never hands out ports to
// other sockets (Gloo's connections, clients): a port taken from that range could be given to
// another socket before the rendezvous binds it.
int freeLocalPort();

}  // namespace gossiplab
