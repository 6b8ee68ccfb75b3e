// dist::Session in a build without runs over several processes (no Gloo headers at build time;
// see the top CMakeLists). validate(DistributedOptions) already refuses world > 1 with the same
// sentence, so a Run never gets here; were it to, the constructor throws, and no Session exists
// whose other members could be called.

#include "core/dist/session.h"

#include <cstdlib>
#include <stdexcept>

namespace gossiplab::dist {

namespace {
[[noreturn]] void noSession() { std::abort(); }  // unreachable: no Session is ever constructed
}  // namespace

struct Session::Impl {};

Session::Session(const DistributedOptions&) { throw std::runtime_error(multiProcessUnavailableReason()); }
Session::~Session() = default;

int Session::rank() const { noSession(); }
int Session::world() const { noSession(); }
Plan Session::rendezvous(const RunConfig&, const LocalProcess&, const RendezvousCallbacks&) { noSession(); }
void Session::connect(torch::Tensor&) { noSession(); }
void Session::start(RunShared&) { noSession(); }
void Session::tick(RunObserver*) { noSession(); }
bool Session::wantsQuickTicks() const { noSession(); }
RunObserver* Session::forwarder() { noSession(); }
void Session::finishExchanges(RunObserver*) { noSession(); }
void Session::sendFinal(RunObserver*) { noSession(); }
bool Session::waitEnd(RunResult&, RunObserver*) { noSession(); }
void Session::collectFinals(RunObserver*) { noSession(); }
void Session::sendEnd(const RunResult&) { noSession(); }
std::vector<int> Session::lostRanks() const { noSession(); }
std::string Session::lostSummary() const { noSession(); }
void Session::close() { noSession(); }
std::vector<ProcessStatus> Session::processes() const { noSession(); }
int64_t Session::messagesSent() const { noSession(); }
int64_t Session::bytesSent() const { noSession(); }
bool Session::push(WorkerState&, int, int64_t) { noSession(); }
void Session::elasticStep(WorkerState&, torch::Tensor&, double) { noSession(); }
void Session::averageWithPeer(WorkerState&, int) { noSession(); }
void Session::snapshotRequested(int64_t) { noSession(); }
void Session::settingChanged(const std::string&, double) { noSession(); }
AlphaLedger Session::alphaElsewhere() { noSession(); }
void Session::allReduceSum(torch::Tensor&) { noSession(); }
void Session::runEnding(RunStatus, const std::string&) { noSession(); }

}  // namespace gossiplab::dist
