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
