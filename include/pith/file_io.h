// Writing files so that readers never see half of one: the model saver and the CLI share this.
#pragma once

#include <filesystem>
#include <string_view>

namespace pith {

// Replaces `path` with `bytes` atomically: writes a temporary file next to it (named
// `path`.tmp.<pid>.<n>, unique per call), flushes it to disk, renames it over `path` and syncs
// the directory. On any failure the temporary file is removed and a previous file at `path` is
// left untouched. Throws pith::Error(kIO) "<path>: <what failed> '<temporary>': <OS reason>".
void write_file_atomically(const std::filesystem::path& path, std::string_view bytes);

}  // namespace pith
