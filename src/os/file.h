// Small file-system helpers with errors as values.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "os/fd.h"
#include "vc/result.h"

namespace vc::os {

// Writes data to path through a temp file in the same directory, fsyncs it and
// renames it over path, so readers see the old or the new content, never half.
Result<> WriteFileAtomic(const std::string& path, std::string_view data, mode_t mode);

Result<std::string> ReadFile(const std::string& path);

// mkdir -p; created directories get mode.
Result<> MakeDirs(const std::string& path, mode_t mode);

// rm -rf that refuses to cross into other file systems (a forgotten bind mount
// is reported, not emptied).
Result<> RemoveTree(const std::string& path);

bool Exists(const std::string& path);

// The names in directory `dir` (without "." and ".."), in the order the
// directory gives them; none if it cannot be opened.
std::vector<std::string> ListDir(const std::string& dir);

// The last `lines` lines of a text file (a log), without the final newline;
// empty if it cannot be read.
std::string TailLines(const std::string& path, size_t lines);

// Writes all of data, retrying on EINTR and short writes.
Result<> WriteAll(int fd, std::string_view data);

// Reads exactly n bytes; kUnavailable with "end of stream" if EOF comes first.
Result<> ReadExact(int fd, char* buf, size_t n);

}  // namespace vc::os
