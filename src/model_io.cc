// .pith files (docs/model-format.md): the 32-byte header around the protobuf payload (mapped to
// pith::Model in model_proto.cc), and atomic save / load. Every check on raw bytes lives here.
#include "pith/model_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "crc32.h"
#include "file_descriptor.h"
#include "model_proto.h"
#include "pith/error.h"
#include "pith/file_io.h"
#include "pith/model.pb.h"
#include "pith/version.h"

namespace pith {
namespace {

namespace pb = ::pith::format::v1;

// PNG-style signature: the high byte catches 7-bit channels, CR LF catches line-ending conversion,
// ^Z stops `type` on Windows. PNG's final LF does not fit: "PITH" is a letter longer than "PNG".
constexpr std::string_view kMagic{"\x89PITH\r\n\x1a", 8};

// Header layout, little-endian. Bytes [0, 12) (magic, major, minor) keep their place in every
// major version, so that any reader can say which version refused it; the rest is 1.x's.
constexpr std::size_t kMajorOffset = 8;         // uint16
constexpr std::size_t kMinorOffset = 10;        // uint16
constexpr std::size_t kHeaderSizeOffset = 12;   // uint32, >= 32; the payload starts there
constexpr std::size_t kPayloadSizeOffset = 16;  // uint64
constexpr std::size_t kCrcOffset = 24;          // uint32, CRC-32 of the payload
constexpr std::size_t kReservedOffset = 28;     // uint32, 0 up to format 1.0
constexpr std::size_t kVersionEnd = 12;
constexpr std::size_t kHeaderSize = 32;

// A payload is one protobuf message, which protobuf caps below 2 GiB; leave room for a header that
// later minor versions may grow. Bounds what load_model reads from e.g. /dev/zero.
constexpr std::size_t kMaxPayloadSize = INT_MAX;
constexpr std::size_t kMaxFileSize = kMaxPayloadSize + (std::size_t{1} << 20);

[[noreturn]] void fail_format(const std::string& message) {
  throw Error(ErrorCode::kFormat, message);
}

template <class T>
void store_le(std::string& bytes, std::size_t offset, T value) {
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    bytes[offset + i] = static_cast<char>((value >> (8 * i)) & 0xFFu);
  }
}

template <class T>
T get_le(std::string_view bytes, std::size_t offset) {
  T value = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    const auto byte = static_cast<T>(static_cast<unsigned char>(bytes[offset + i]));
    value = static_cast<T>(value | static_cast<T>(byte << (8 * i)));
  }
  return value;
}

std::string hex32(std::uint32_t value) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "0x%08x", static_cast<unsigned>(value));
  return buffer;
}

std::string version_string(FormatVersion v) {
  return std::to_string(v.major) + "." + std::to_string(v.minor);
}

bool looks_like_text(std::string_view bytes) {
  for (const char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t' && c != '\n' && c != '\r') || u == 0x7F) return false;
  }
  return true;
}

// Says what a file with the wrong signature probably is, for the commonest mistakes.
std::string foreign_file_hint(std::string_view bytes) {
  if (bytes.size() >= 5 && bytes.substr(1, 4) == "PITH") {
    return "; its signature is damaged, as by a copy in text mode that converted line endings";
  }
  if (bytes.size() >= 2 && bytes[0] == '\x80' && bytes[1] >= 2 && bytes[1] <= 5) {
    return "; it looks like a Python pickle";
  }
  if (looks_like_text(bytes.substr(0, 256))) return "; it looks like a text file (CSV, JSON, ...)";
  return "";
}

[[noreturn]] void fail_truncated_header(std::size_t size) {
  fail_format("truncated: the file is " + std::to_string(size) + " bytes, shorter than the " +
              std::to_string(kHeaderSize) + "-byte header");
}

// Checks the signature and returns the version; needs only the first 12 bytes.
FormatVersion read_version(std::string_view bytes) {
  if (bytes.empty()) fail_format("empty file (0 bytes): not a pith model file");
  const std::size_t n = std::min(bytes.size(), kMagic.size());
  if (bytes.substr(0, n) != kMagic.substr(0, n)) {
    fail_format("not a pith model file: it does not start with the .pith signature" +
                foreign_file_hint(bytes));
  }
  if (bytes.size() < kVersionEnd) fail_truncated_header(bytes.size());
  return {get_le<std::uint16_t>(bytes, kMajorOffset), get_le<std::uint16_t>(bytes, kMinorOffset)};
}

// Checks the header against the bytes actually present (before anything is allocated from it)
// and the CRC, and returns the payload.
std::string_view checked_payload(std::string_view bytes, FormatVersion version) {
  if (bytes.size() < kHeaderSize) fail_truncated_header(bytes.size());
  const auto header_size = get_le<std::uint32_t>(bytes, kHeaderSizeOffset);
  if (header_size < kHeaderSize) {
    fail_format("header_size: expected >= " + std::to_string(kHeaderSize) + ", found " +
                std::to_string(header_size));
  }
  if (header_size > bytes.size()) {
    fail_format("truncated: header_size says the header is " + std::to_string(header_size) +
                " bytes, but the file is " + std::to_string(bytes.size()) + " bytes");
  }
  const auto payload_size = get_le<std::uint64_t>(bytes, kPayloadSizeOffset);
  const std::size_t found = bytes.size() - header_size;
  if (payload_size > found) {
    fail_format("truncated: expected a payload of " + std::to_string(payload_size) +
                " bytes after the header, found " + std::to_string(found));
  }
  if (payload_size < found) {
    fail_format(std::to_string(found - payload_size) + " bytes of trailing data after the " +
                std::to_string(payload_size) + "-byte payload");
  }
  // Every minor version this reader knows keeps the field 0; a newer one may give it a meaning,
  // which by the compatibility rules an older reader can ignore.
  const auto reserved = get_le<std::uint32_t>(bytes, kReservedOffset);
  if (version.minor <= kFormatMinor && reserved != 0) {
    fail_format("reserved: expected 0 in a format " + version_string(version) + " header, found " +
                hex32(reserved));
  }
  const std::string_view payload = bytes.substr(header_size);
  const auto stored_crc = get_le<std::uint32_t>(bytes, kCrcOffset);
  const std::uint32_t actual_crc = detail::crc32(payload);
  if (actual_crc != stored_crc) {
    fail_format("corrupted: the payload's CRC-32 is " + hex32(actual_crc) + ", the header says " +
                hex32(stored_crc));
  }
  return payload;
}

// ---- Files. POSIX calls rather than iostreams: they report errno, and fsync needs a descriptor.

[[noreturn]] void fail_io(const std::filesystem::path& path, const std::string& what, int err) {
  throw Error(ErrorCode::kIO, path.string() + ": " + what + ": " + std::strerror(err));
}

// How many bytes a file starting with `head` should have, by its header: 0 as soon as `head`
// shows it is no 1.x pith file (parse_model then needs no more to say why), SIZE_MAX while the
// header is incomplete.
std::size_t declared_file_size(std::string_view head) {
  const std::size_t n = std::min(head.size(), kMagic.size());
  if (head.substr(0, n) != kMagic.substr(0, n)) return 0;
  if (head.size() >= kVersionEnd && get_le<std::uint16_t>(head, kMajorOffset) != kFormatMajor) {
    return 0;
  }
  if (head.size() < kHeaderSize) return std::numeric_limits<std::size_t>::max();
  const auto payload_size = get_le<std::uint64_t>(head, kPayloadSizeOffset);
  if (payload_size > kMaxPayloadSize) return 0;
  return get_le<std::uint32_t>(head, kHeaderSizeOffset) + static_cast<std::size_t>(payload_size);
}

// Reads a model file. A regular file is read whole: its size bounds the memory. Anything else (a
// pipe, /dev/zero, a file too large to be a model) is read only until its first bytes show it is
// not a model or it passes the size its header declares, so a wrong path costs one read.
std::string read_file(const std::filesystem::path& path) {
  detail::File file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (file.get() < 0) fail_io(path, "cannot open model file", errno);
  struct stat info {};
  if (::fstat(file.get(), &info) != 0) fail_io(path, "cannot stat model file", errno);
  if (S_ISDIR(info.st_mode)) fail_io(path, "cannot read model file", EISDIR);
  const bool whole =
      S_ISREG(info.st_mode) && static_cast<std::uint64_t>(info.st_size) <= kMaxFileSize;
  std::string bytes;
  if (whole) bytes.reserve(static_cast<std::size_t>(info.st_size));
  char buffer[1 << 16];
  while (whole || bytes.empty() || bytes.size() <= declared_file_size(bytes)) {
    const ssize_t n = ::read(file.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_io(path, "cannot read model file", errno);
    }
    if (n == 0) break;
    if (bytes.size() + static_cast<std::size_t>(n) > kMaxFileSize) {
      fail_format(path.string() + ": larger than " + std::to_string(kMaxFileSize) +
                  " bytes: not a pith model file");
    }
    bytes.append(buffer, static_cast<std::size_t>(n));
  }
  return bytes;
}

}  // namespace

std::string serialize_model(const Model& model) {
  try {
    validate_model(model);
  } catch (const Error& e) {
    // The caller built this model: for them it is a bad argument, not a bad file.
    throw Error(ErrorCode::kInvalidArgument,
                std::string("cannot save an invalid model: ") + e.what());
  }
  const pb::Model message = detail::to_message(model);
  const std::size_t payload_size = message.ByteSizeLong();
  if (payload_size > kMaxPayloadSize) {
    throw Error(ErrorCode::kUnsupported,
                "model too large: its payload of " + std::to_string(payload_size) +
                    " bytes exceeds the 2 GiB a protobuf message can hold");
  }
  std::string bytes;
  bytes.reserve(kHeaderSize + payload_size);
  bytes.append(kMagic);
  bytes.resize(kHeaderSize, '\0');  // reserved stays 0
  store_le(bytes, kMajorOffset, static_cast<std::uint16_t>(kFormatMajor));
  store_le(bytes, kMinorOffset, static_cast<std::uint16_t>(kFormatMinor));
  store_le(bytes, kHeaderSizeOffset, static_cast<std::uint32_t>(kHeaderSize));
  store_le(bytes, kPayloadSizeOffset, static_cast<std::uint64_t>(payload_size));
  if (!message.AppendToString(&bytes) || bytes.size() != kHeaderSize + payload_size) {
    throw Error(ErrorCode::kUnsupported, "protobuf failed to serialize the model");
  }
  // Serialized in place after the header, so the payload is never copied; the CRC comes last.
  store_le(bytes, kCrcOffset, detail::crc32(std::string_view(bytes).substr(kHeaderSize)));
  return bytes;
}

FormatVersion read_format_version(std::string_view bytes) { return read_version(bytes); }

Model parse_model(std::string_view bytes, std::vector<std::string>* warnings) {
  const FormatVersion version = read_version(bytes);
  if (version.major != kFormatMajor) {
    throw Error(ErrorCode::kVersion,
                "written by format " + version_string(version) + ", this pith (" + kVersion +
                    ") reads " + std::to_string(kFormatMajor) + ".x" +
                    (version.major > kFormatMajor ? ": upgrade pith to load it" : ""));
  }
  const std::string_view payload = checked_payload(bytes, version);
  if (payload.size() > kMaxPayloadSize) {
    fail_format("payload of " + std::to_string(payload.size()) +
                " bytes exceeds the 2 GiB a protobuf message can hold");
  }
  pb::Model message;
  if (!message.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    fail_format(
        "corrupted: the payload is not a valid pith.format.v1.Model protobuf message, though its "
        "CRC-32 matches (the program that wrote it is at fault)");
  }
  Model model = detail::from_message(message);
  validate_model(model);
  if (version.minor > kFormatMinor && warnings != nullptr) {
    warnings->push_back("written by format " + version_string(version) + " (producer \"" +
                        model.producer + "\"), newer than the " + std::to_string(kFormatMajor) +
                        "." + std::to_string(kFormatMinor) + " this pith (" + kVersion +
                        ") reads: loaded, ignoring anything added since; upgrade pith to use it");
  }
  return model;
}

void save_model(const Model& model, const std::filesystem::path& path) {
  const std::string bytes = serialize_model(model);  // an invalid model touches no file
  write_file_atomically(path, bytes);
}

Model load_model(const std::filesystem::path& path, std::vector<std::string>* warnings) {
  const std::string bytes = read_file(path);
  std::vector<std::string> new_warnings;
  Model model;
  try {
    model = parse_model(bytes, &new_warnings);
  } catch (const Error& e) {
    throw Error(e.code(), path.string() + ": " + e.what());
  }
  if (warnings != nullptr) {
    for (std::string& w : new_warnings) warnings->push_back(path.string() + ": " + std::move(w));
  }
  return model;
}

}  // namespace pith
