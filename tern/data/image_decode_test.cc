#include "tern/data/image_decode.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "tern/base/error.h"
#include "tern/data/test_util.h"

namespace tern::data {
namespace {

using testing::jpeg_bytes;
using testing::png_bytes;

std::vector<uint8_t> ramp(int w, int h, int c) {
  std::vector<uint8_t> v(static_cast<size_t>(w * h * c));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<uint8_t>((i * 37) % 251);
  return v;
}

std::string error_of(const std::string& bytes, int channels) {
  try {
    decode_image(bytes, "f.img", channels);
  } catch (const IOError& e) {
    return e.what();
  }
  return "";
}

TEST(ImageDecode, PngRoundTripsGrayAndRgb) {
  const auto gray = ramp(5, 3, 1), rgb = ramp(4, 2, 3);
  const Image g = decode_image(png_bytes(5, 3, 1, gray), "g.png", 1);
  EXPECT_EQ(g.width, 5);
  EXPECT_EQ(g.height, 3);
  EXPECT_EQ(g.channels, 1);
  EXPECT_EQ(g.pixels, gray);
  const Image c = decode_image(png_bytes(4, 2, 3, rgb), "c.png", 3);
  EXPECT_EQ(c.channels, 3);
  EXPECT_EQ(c.pixels, rgb);
  // Gray read as RGB repeats the value; RGB read as gray is a weighted mean.
  const Image g3 = decode_image(png_bytes(5, 3, 1, gray), "g.png", 3);
  for (int i = 0; i < 15; ++i)
    for (int ch = 0; ch < 3; ++ch) EXPECT_EQ(g3.pixels[i * 3 + ch], gray[i]);
  const Image pure = decode_image(png_bytes(1, 1, 3, {255, 255, 255}), "w.png", 1);
  EXPECT_EQ(pure.pixels, (std::vector<uint8_t>{255}));
  const Image red = decode_image(png_bytes(1, 1, 3, {255, 0, 0}), "r.png", 1);
  EXPECT_EQ(red.pixels[0], 76);  // BT.601 luma of the encoded values: 0.299 * 255, not libpng's linear-light 127
  // A JPEG of the same colour decodes to about the same gray.
  const Image jred = decode_image(jpeg_bytes(8, 8, 3, [] {
                                    std::vector<uint8_t> v;
                                    for (int i = 0; i < 64; ++i) v.insert(v.end(), {255, 0, 0});
                                    return v;
                                  }()),
                                  "r.jpg", 1);
  EXPECT_NEAR(jred.pixels[27], 76, 3);
}

TEST(ImageDecode, SixteenBitPalettesAndLowBitDepthsScaleToEightBits) {
  // 16-bit gray 0, 0.25, 0.5, 1 of full scale: scaled, not gamma-encoded.
  const std::string g16 = testing::png_raw(4, 1, 16, 0, std::string("\0\0\0\x40\0\x80\0\xff\xff", 9));
  EXPECT_EQ(decode_image(g16, "g16.png", 1).pixels, (std::vector<uint8_t>{0, 64, 128, 255}));
  // Palette red, green, blue, green.
  const std::string pal = testing::png_raw(4, 1, 8, 3, std::string("\0\0\1\2\1", 5),
                                           std::string("\xff\0\0\0\xff\0\0\0\xff", 9));
  EXPECT_EQ(decode_image(pal, "p.png", 3).pixels, (std::vector<uint8_t>{255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 255, 0}));
  EXPECT_EQ(decode_image(pal, "p.png", 1).pixels, (std::vector<uint8_t>{76, 150, 29, 150}));
  // 1-bit gray 1, 0, 1 (packed 101xxxxx): black and white.
  const std::string bits = testing::png_raw(3, 1, 1, 0, std::string("\0\xa0", 2));
  EXPECT_EQ(decode_image(bits, "b.png", 1).pixels, (std::vector<uint8_t>{255, 0, 255}));
  // A palette index past the palette's end is an error, on one line.
  const std::string bad = testing::png_raw(1, 1, 8, 3, std::string("\0\5", 2), std::string("\0\0\0", 3));
  try {
    decode_image(bad, "bad.png", 3);
  } catch (const IOError& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
  }
}

TEST(ImageDecode, AlphaCompositesOnBlack) {
  // Opaque white, transparent white, half-transparent white.
  const Image g = decode_image(png_bytes(3, 1, 2, {255, 255, 255, 0, 255, 128}), "a.png", 1);
  EXPECT_EQ(g.pixels[0], 255);
  EXPECT_EQ(g.pixels[1], 0);
  EXPECT_NEAR(g.pixels[2], 128, 2);
}

TEST(ImageDecode, JpegDecodesCloseToWhatWasWritten) {
  std::vector<uint8_t> smooth(16 * 16 * 3);
  for (int y = 0; y < 16; ++y)
    for (int x = 0; x < 16; ++x)
      for (int c = 0; c < 3; ++c) smooth[(y * 16 + x) * 3 + c] = static_cast<uint8_t>(40 + 8 * x + 4 * y + 20 * c);
  const Image img = decode_image(jpeg_bytes(16, 16, 3, smooth), "s.jpg", 3);
  ASSERT_EQ(img.width, 16);
  ASSERT_EQ(img.height, 16);
  ASSERT_EQ(img.pixels.size(), smooth.size());
  double err = 0;
  for (size_t i = 0; i < smooth.size(); ++i) err += std::abs(int(img.pixels[i]) - int(smooth[i]));
  EXPECT_LT(err / smooth.size(), 4.0);
  const Image gray = decode_image(jpeg_bytes(16, 16, 3, smooth), "s.jpg", 1);
  EXPECT_EQ(gray.channels, 1);
  EXPECT_EQ(gray.pixels.size(), 256u);
}

TEST(ImageDecode, DamagedFilesAreOneLineErrors) {
  EXPECT_EQ(error_of("GIF89a", 1), "f.img: neither a PNG nor a JPEG file (unknown signature)");
  EXPECT_EQ(error_of("", 3), "f.img: neither a PNG nor a JPEG file (too short)");
  EXPECT_THROW(decode_image("x", "f", 2), ValueError);
  const std::string png = png_bytes(6, 5, 3, ramp(6, 5, 3));
  const std::string jpg = jpeg_bytes(16, 8, 3, ramp(16, 8, 3), 90);
  EXPECT_NE(error_of(png.substr(0, png.size() / 2), 3).find("f.img: bad PNG: "), std::string::npos);
  EXPECT_NE(error_of(jpg.substr(0, jpg.size() / 2), 3).find("f.img: bad JPEG: "), std::string::npos);
  for (const std::string* good : {&png, &jpg}) {
    // Every truncation: an error, on one line.
    for (size_t n = 0; n < good->size(); ++n) {
      const std::string e = error_of(good->substr(0, n), 3);
      EXPECT_FALSE(e.empty()) << n;
      EXPECT_EQ(e.find('\n'), std::string::npos) << e;
    }
    // Bit flips: an image or a one-line error, never a crash.
    for (size_t bit = 0; bit < 8 * good->size(); bit += 5) {
      std::string b = *good;
      b[bit / 8] ^= char(1 << (bit % 8));
      for (int ch : {1, 3}) EXPECT_EQ(error_of(b, ch).find('\n'), std::string::npos);
    }
  }
}

TEST(ImageDecode, HugeDimensionsAreRefusedBeforeAllocating) {
  std::string png = png_bytes(1, 1, 1, {0});
  // IHDR width at bytes 16..19: 2^20 x 1 is fine for the header but with height 2^20 too it is 2^40 pixels.
  png[16] = 0, png[17] = 0x10, png[18] = 0, png[19] = 0;
  png[20] = 0, png[21] = 0x10, png[22] = 0, png[23] = 0;
  const std::string e = error_of(png, 1);
  EXPECT_FALSE(e.empty());
  EXPECT_EQ(e.find('\n'), std::string::npos) << e;
}

TEST(ImageDecode, BilinearResize) {
  Image img{2, 1, 1, {0, 200}};
  std::vector<uint8_t> out(4 * 4);
  resize_bilinear_chw(img, 4, out.data());
  // Half-pixel centres: output x 0..3 samples source x -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped).
  EXPECT_EQ((std::vector<uint8_t>(out.begin(), out.begin() + 4)), (std::vector<uint8_t>{0, 50, 150, 200}));
  for (int y = 1; y < 4; ++y)
    for (int x = 0; x < 4; ++x) EXPECT_EQ(out[y * 4 + x], out[x]);
  // Same size: an interleaved-to-planar transpose.
  Image rgb{2, 1, 3, {1, 2, 3, 4, 5, 6}};
  std::vector<uint8_t> planar(6);
  Image sq{1, 1, 3, {1, 2, 3}};
  resize_bilinear_chw(sq, 1, planar.data());
  EXPECT_EQ((std::vector<uint8_t>(planar.begin(), planar.begin() + 3)), (std::vector<uint8_t>{1, 2, 3}));
  std::vector<uint8_t> two(3 * 2 * 2);
  resize_bilinear_chw(rgb, 2, two.data());  // 2x1 stretched to 2x2: rows repeat, channel planes apart
  EXPECT_EQ(two, (std::vector<uint8_t>{1, 4, 1, 4, 2, 5, 2, 5, 3, 6, 3, 6}));
  // Shrinking a constant image keeps it constant.
  Image flat{9, 7, 1, std::vector<uint8_t>(63, 77)};
  std::vector<uint8_t> small(9);
  resize_bilinear_chw(flat, 3, small.data());
  EXPECT_EQ(small, std::vector<uint8_t>(9, 77));
}

}  // namespace
}  // namespace tern::data
