#include "report/json_writer.hpp"
#include "support/json_check.hpp"

#include <gtest/gtest.h>

namespace {

// Quotes, backslashes and control characters are escaped; UTF-8 passes through.
TEST(JsonWriter, EscapesStringsPerRfc8259)
{
	EXPECT_EQ(report::JsonWriter::quote("a\"b\\c\n\t\x01 \xc3\xa9"),
	          "\"a\\\"b\\\\c\\n\\t\\u0001 \xc3\xa9\"");
}

// Members and elements get exactly one comma between them, at every nesting level.
TEST(JsonWriter, SeparatesMembersAndNestsContainers)
{
	report::JsonWriter w;
	w.begin_object();
	w.key("a").value(1);
	w.key("b")
	    .begin_array()
	    .value("x")
	    .value(true)
	    .null()
	    .begin_object()
	    .end_object()
	    .end_array();
	w.key("c").value(std::uint64_t{18446744073709551615ull});
	w.key("d").value(0.5);
	w.end_object();
	EXPECT_EQ(w.str(), R"({"a":1,"b":["x",true,null,{}],"c":18446744073709551615,"d":0.5})");
	EXPECT_TRUE(test_support::json_valid(w.str()));
}

// JSON has no NaN: a non-finite number becomes null rather than invalid output.
TEST(JsonWriter, WritesNonFiniteNumbersAsNull)
{
	report::JsonWriter w;
	w.begin_array().value(1.0 / 0.0).end_array();
	EXPECT_EQ(w.str(), "[null]");
}

// The test's own checker rejects what it must, so the checks above can fail.
TEST(JsonCheck, RejectsUnbalancedAndMalformedJson)
{
	EXPECT_FALSE(test_support::json_valid(R"({"a":1)"));
	EXPECT_FALSE(test_support::json_valid(R"({"a":1,})"));
	EXPECT_FALSE(test_support::json_valid(R"(["a" "b"])"));
	EXPECT_FALSE(test_support::json_valid("\"a\nb\""));
	EXPECT_TRUE(test_support::json_valid(R"( {"a":[1,-2.5e3,"\u00e9"]} )"));
}

} // namespace
