// CRC-32C (Castagnoli polynomial 0x1EDC6F41, reflected 0x82F63B78), the
// checksum TFRecord framing uses (RFC 3720 section 12.1 defines it for iSCSI).
// Table-driven, one byte at a time: event files are small.
#pragma once

#include <cstdint>
#include <string_view>

namespace tern::train::runlog {

// CRC-32C of `data`; crc32c("123456789") == 0xE3069283.
uint32_t crc32c(std::string_view data);

// TFRecord's masked CRC: ((crc >> 15) | (crc << 17)) + 0xa282ead8, so a CRC
// computed over bytes that themselves hold CRCs stays well distributed.
uint32_t masked_crc32c(std::string_view data);

}  // namespace tern::train::runlog
