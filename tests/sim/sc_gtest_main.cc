// GoogleTest's entry point for SystemC tests: libsystemc.so's main() calls sc_main (gtest_main would define a
// second main() that may win and run nothing).
#include <gtest/gtest.h>

#include <systemc>

int sc_main(int argc, char* argv[]) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
