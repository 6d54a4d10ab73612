// PNG and JPEG decoding (Debian's libpng and libjpeg-turbo) and the bilinear
// resize that image folders use.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tern::data {

struct Image {
  int64_t width = 0, height = 0, channels = 0;
  std::vector<uint8_t> pixels;  // height x width x channels, interleaved
};

// Decodes a PNG or JPEG (told apart by their signatures) to 8-bit gray
// (channels = 1) or RGB (3): palettes and low bit depths are expanded,
// 16-bit samples scaled to 8 bits, alpha composited on black, colour made
// gray by the BT.601 luma of the encoded values (as libjpeg and PIL
// compute it); no gamma or colour-profile conversion (gAMA, iCCP ignored).
// Damaged, truncated or unsupported input (including a JPEG decoder
// warning such as premature end of data) throws one-line
// tern::IOError naming `source`. Images over 2^26 pixels are refused before
// any allocation (a hostile header cannot exhaust memory).
Image decode_image(std::string_view bytes, const std::string& source, int channels);
Image read_image(const std::string& path, int channels);

// Resizes `img` to size x size by bilinear interpolation with pixel centres
// aligned (the half-pixel convention of OpenCV's INTER_LINEAR and PyTorch's
// align_corners=False) and writes it planar (C x size x size) to `dst`.
// The aspect ratio is not kept: non-square images are stretched.
void resize_bilinear_chw(const Image& img, int64_t size, uint8_t* dst);

}  // namespace tern::data
