// TFRecord framing (TensorFlow's tensorflow/core/lib/io/record_writer.h
// format), the container of TensorBoard event files. Each record is
//   uint64 length (little endian) | uint32 masked_crc32c(length bytes) |
//   data[length] | uint32 masked_crc32c(data)
// with the mask of crc32c.h.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tern::train::runlog {

// One framed record holding `data`.
std::string tfrecord_frame(std::string_view data);

// The records of a whole TFRecord file, in order. Throws IOError naming
// `what`, the record number and byte offset on a truncated record or a CRC
// that does not match.
std::vector<std::string> read_tfrecords(std::string_view bytes, const std::string& what);

}  // namespace tern::train::runlog
