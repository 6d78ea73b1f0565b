// Captures libbpf's messages (including the verifier log) so that a load failure can carry them to
// JavaScript instead of spraying them on stderr.
#pragma once
#include <string>

namespace lsmwatch {

void InstallLibbpfLogCapture();
// Starts a fresh capture; returns what was captured since the last call (bounded size).
std::string TakeLibbpfLog();
void ClearLibbpfLog();

}  // namespace lsmwatch
