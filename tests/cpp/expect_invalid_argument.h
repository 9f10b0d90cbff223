// A check shared by the bad-input tests: a call must throw pith::Error(kInvalidArgument) with a
// message containing a phrase.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "pith/error.h"

namespace pith::test {

template <class Call>
void expect_invalid_argument(Call&& call, const std::string& phrase) {
  try {
    call();
    ADD_FAILURE() << "no error; expected one containing '" << phrase << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << e.what();
    EXPECT_NE(std::string(e.what()).find(phrase), std::string::npos) << e.what();
  }
}

}  // namespace pith::test
