// Replay tokens: they round-trip, stay one shell word, and refuse what is not theirs.
#include "explore/schedule.hpp"

#include <gtest/gtest.h>

namespace explore {
namespace {

Schedule sample()
{
	Schedule s;
	for (int i = 0; i < 5; ++i)
		s.decisions.push_back({false, 0});
	s.decisions.push_back({false, 1});
	s.decisions.push_back({true, 2});
	s.decisions.push_back({true, 2});
	s.decisions.push_back({false, 15});
	s.decisions.push_back({true, 200});
	s.decisions.push_back({false, 3});
	return s;
}

// encode then decode gives back the same decisions; the text is compact and shell-safe.
TEST(Schedule, TokenRoundTripsAndRejectsOtherProgram)
{
	const Schedule s = sample();
	const std::string tok = encode_token(s, 0x0badcafe);
	EXPECT_EQ(tok, "s1-0badcafe-a5bC2pVc8d");
	for (const char c : tok)
		EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-') << tok;

	std::string err;
	const auto back = decode_token(tok, 0x0badcafe, err);
	ASSERT_TRUE(back.has_value()) << err;
	EXPECT_EQ(*back, s);

	EXPECT_FALSE(decode_token(tok, 0x12345678, err).has_value());
	EXPECT_EQ(err, "token is for another program (key 0badcafe, this program is 12345678)");
}

// The empty schedule (a program with no choices) is a valid token too.
TEST(Schedule, EmptyScheduleRoundTrips)
{
	const std::string tok = encode_token(Schedule{}, 7);
	EXPECT_EQ(tok, "s1-00000007-");
	std::string err;
	const auto back = decode_token(tok, 7, err);
	ASSERT_TRUE(back.has_value()) << err;
	EXPECT_TRUE(back->decisions.empty());
}

// Each malformed token gets a one-line reason naming what is wrong and where.
TEST(Schedule, DecodeNamesTheFault)
{
	struct Case {
		const char* token;
		const char* error;
	} cases[] = {
	    {"x1-00000001-a", "bad prefix (a replay token starts with 's1-')"},
	    {"s2-00000001-a", "bad prefix (a replay token starts with 's1-')"},
	    {"s1-0000g001-a", "bad character 'g' at offset 7"},
	    {"s1-0001", "token ends inside the program key"},
	    {"s1-00000001a", "bad character 'a' at offset 11"},
	    {"s1-00000001-ab!", "bad character '!' at offset 14"},
	    {"s1-00000001-a b", "bad character 0x20 at offset 13"},
	    {"s1-00000001-q", "bad character 'q' at offset 12"},
	    {"s1-00000001-a1", "bad repeat count at offset 13"},
	    {"s1-00000001-a0", "bad repeat count at offset 13"},
	    {"s1-00000001-Vz1", "bad character 'z' at offset 13"},
	    {"s1-00000001-V1", "token ends inside a value"},
	    {"s1-00000001-a99999999999", "repeat count too large at offset 13"},
	};
	for (const Case& c : cases) {
		std::string err;
		EXPECT_FALSE(decode_token(c.token, 1, err).has_value()) << c.token;
		EXPECT_EQ(err, c.error) << c.token;
	}
}

} // namespace
} // namespace explore
