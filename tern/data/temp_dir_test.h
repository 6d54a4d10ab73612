// Test helper (not installed: a *_test.h): a temporary folder name unique to
// the running test and process, since ctest runs each test in its own
// process, in parallel.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace tern::data::testing {

// TempDir()/<stem>_<test name>_<pid>; not created.
inline std::filesystem::path unique_temp_dir(const std::string& stem) {
  return std::filesystem::path(::testing::TempDir()) /
         (stem + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name() + "_" +
          std::to_string(::getpid()));
}

}  // namespace tern::data::testing
