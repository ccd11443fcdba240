#include "lutsim/model/arith.h"

#include <gtest/gtest.h>

namespace lutsim {
namespace {

TEST(Arith, WrapIsModular) {
  EXPECT_EQ(wrap(32767, 16), 32767);
  EXPECT_EQ(wrap(32768, 16), -32768);
  EXPECT_EQ(wrap(-32769, 16), 32767);
  EXPECT_EQ(wrap(65536 + 5, 16), 5);
  EXPECT_EQ(wrap(std::int64_t{1} << 31, 32), -(std::int64_t{1} << 31));
  EXPECT_EQ(wrap((std::int64_t{1} << 23) + 1, 24), -(std::int64_t{1} << 23) + 1);
}

TEST(Arith, RshiftRoundTies) {
  // 5/2 = 2.5, -5/2 = -2.5, 3/2 = 1.5, -3/2 = -1.5
  EXPECT_EQ(rshift_round(5, 1, Rounding::HalfUp), 3);
  EXPECT_EQ(rshift_round(-5, 1, Rounding::HalfUp), -2);
  EXPECT_EQ(rshift_round(5, 1, Rounding::HalfEven), 2);
  EXPECT_EQ(rshift_round(-5, 1, Rounding::HalfEven), -2);
  EXPECT_EQ(rshift_round(3, 1, Rounding::HalfEven), 2);
  EXPECT_EQ(rshift_round(-3, 1, Rounding::HalfEven), -2);
  EXPECT_EQ(rshift_round(5, 1, Rounding::Floor), 2);
  EXPECT_EQ(rshift_round(-5, 1, Rounding::Floor), -3);
  EXPECT_EQ(rshift_round(7, -3, Rounding::Floor), 56);
}

}  // namespace
}  // namespace lutsim
