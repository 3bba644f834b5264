// The Windows backend: one I/O completion port per worker thread, overlapped Winsock
// operations (AcceptEx, WSARecv, WSASend, ConnectEx, WSARecvFrom, WSASendTo), several receives
// outstanding per socket, and GetQueuedCompletionStatusEx fetching completions in batches.
// docs/windows.md describes what it does per operation.
#pragma once

#include <memory>
#include <string>

#include "core/io/backend.h"

namespace percore::io {

// Returns nullptr and sets *error when Winsock or the completion port cannot be set up.
std::unique_ptr<Backend> make_iocp_backend(std::string* error);

}  // namespace percore::io
