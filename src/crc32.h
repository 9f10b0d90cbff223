// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320): the checksum of a .pith file's payload.
// Bit-for-bit the same as zlib's crc32() and Python's zlib.crc32(), so any reader can verify it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace pith::detail {

// CRC of `size` bytes at `data`, continuing from `crc` (the CRC of the bytes before them; 0 to
// start), so that crc32(b, crc32(a)) == crc32(a + b), as with zlib.
std::uint32_t crc32(const void* data, std::size_t size, std::uint32_t crc);

inline std::uint32_t crc32(std::string_view bytes, std::uint32_t crc = 0) {
  return crc32(bytes.data(), bytes.size(), crc);
}

}  // namespace pith::detail
