// Test helpers (not installed): PNG and JPEG files written in memory by
// libpng's simplified API and libjpeg, so the decoder is tested on what the
// libraries write.
#pragma once

#include <cstddef>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include <jpeglib.h>
#include <png.h>
#include <zlib.h>

namespace tern::data::testing {

// `pixels`: height x width x channels interleaved (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA).
inline std::string png_bytes(int width, int height, int channels, const std::vector<uint8_t>& pixels) {
  png_image img{};
  img.version = PNG_IMAGE_VERSION;
  img.width = width;
  img.height = height;
  img.format = channels == 1 ? PNG_FORMAT_GRAY
               : channels == 2 ? PNG_FORMAT_GA
               : channels == 3 ? PNG_FORMAT_RGB
                               : PNG_FORMAT_RGBA;
  png_alloc_size_t size = 0;
  if (!png_image_write_to_memory(&img, nullptr, &size, 0, pixels.data(), 0, nullptr)) std::abort();
  std::string out(size, '\0');
  if (!png_image_write_to_memory(&img, out.data(), &size, 0, pixels.data(), 0, nullptr)) std::abort();
  out.resize(size);
  return out;
}

// A PNG assembled chunk by chunk, for the sample formats the simplified
// writer does not make: `raw` is the filtered image data (each row a 0
// filter byte, then the packed samples, big-endian for 16 bits), `plte`
// RGB triples for colour type 3.
inline std::string png_raw(uint32_t width, uint32_t height, int bit_depth, int colour_type, const std::string& raw,
                           const std::string& plte = "") {
  auto be32 = [](uint32_t v) {
    return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                       static_cast<char>(v)};
  };
  auto chunk = [&](const std::string& kind, const std::string& data) {
    const std::string body = kind + data;
    const uLong crc = crc32(0, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()));
    return be32(static_cast<uint32_t>(data.size())) + body + be32(static_cast<uint32_t>(crc));
  };
  std::string ihdr = be32(width) + be32(height);
  ihdr += {static_cast<char>(bit_depth), static_cast<char>(colour_type), 0, 0, 0};
  uLongf n = compressBound(raw.size());
  std::string z(n, '\0');
  if (compress(reinterpret_cast<Bytef*>(z.data()), &n, reinterpret_cast<const Bytef*>(raw.data()), raw.size()) != Z_OK)
    std::abort();
  z.resize(n);
  return std::string("\x89PNG\r\n\x1a\n", 8) + chunk("IHDR", ihdr) + (plte.empty() ? "" : chunk("PLTE", plte)) +
         chunk("IDAT", z) + chunk("IEND", "");
}

// Baseline JPEG at `quality`; channels 1 (gray) or 3 (RGB).
inline std::string jpeg_bytes(int width, int height, int channels, const std::vector<uint8_t>& pixels,
                              int quality = 95) {
  jpeg_compress_struct c{};
  jpeg_error_mgr err{};
  c.err = jpeg_std_error(&err);
  jpeg_create_compress(&c);
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&c, &buf, &size);
  c.image_width = width;
  c.image_height = height;
  c.input_components = channels;
  c.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, quality, TRUE);
  jpeg_start_compress(&c, TRUE);
  while (c.next_scanline < c.image_height) {
    JSAMPROW row = const_cast<uint8_t*>(pixels.data()) + static_cast<size_t>(c.next_scanline) * width * channels;
    jpeg_write_scanlines(&c, &row, 1);
  }
  jpeg_finish_compress(&c);
  std::string out(reinterpret_cast<char*>(buf), size);
  jpeg_destroy_compress(&c);
  std::free(buf);
  return out;
}

}  // namespace tern::data::testing
