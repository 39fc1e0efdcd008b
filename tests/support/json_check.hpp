// A strict JSON well-formedness check for tests (RFC 8259 grammar, no values kept), so a
// report test fails on unbalanced brackets, a missing comma or a bad escape.
#pragma once

#include <cctype>
#include <cstring>
#include <string_view>

namespace test_support {

class JsonCheck {
public:
	explicit JsonCheck(std::string_view s) : s_(s) {}
	// True if the whole input is exactly one JSON value.
	bool valid()
	{
		ws();
		if (!value())
			return false;
		ws();
		return i_ == s_.size();
	}

private:
	bool value()
	{
		if (i_ >= s_.size() || ++depth_ > 200)
			return false;
		bool ok = false;
		switch (s_[i_]) {
		case '{':
			ok = object();
			break;
		case '[':
			ok = array();
			break;
		case '"':
			ok = string();
			break;
		case 't':
			ok = word("true");
			break;
		case 'f':
			ok = word("false");
			break;
		case 'n':
			ok = word("null");
			break;
		default:
			ok = number();
		}
		--depth_;
		return ok;
	}
	bool object()
	{
		++i_;
		ws();
		if (peek('}'))
			return ++i_, true;
		for (;;) {
			ws();
			if (!string())
				return false;
			ws();
			if (!peek(':'))
				return false;
			++i_;
			ws();
			if (!value())
				return false;
			ws();
			if (peek('}'))
				return ++i_, true;
			if (!peek(','))
				return false;
			++i_;
		}
	}
	bool array()
	{
		++i_;
		ws();
		if (peek(']'))
			return ++i_, true;
		for (;;) {
			ws();
			if (!value())
				return false;
			ws();
			if (peek(']'))
				return ++i_, true;
			if (!peek(','))
				return false;
			++i_;
		}
	}
	bool string()
	{
		if (!peek('"'))
			return false;
		for (++i_; i_ < s_.size(); ++i_) {
			unsigned char c = static_cast<unsigned char>(s_[i_]);
			if (c == '"')
				return ++i_, true;
			if (c < 0x20)
				return false;
			if (c == '\\') {
				if (++i_ >= s_.size())
					return false;
				char e = s_[i_];
				if (e == 'u') {
					for (int k = 0; k < 4; ++k) {
						if (++i_ >= s_.size() ||
						    !std::isxdigit(
						        static_cast<unsigned char>(s_[i_])))
							return false;
					}
				} else if (!std::strchr("\"\\/bfnrt", e)) {
					return false;
				}
			}
		}
		return false;
	}
	bool number()
	{
		std::size_t start = i_;
		if (peek('-'))
			++i_;
		while (i_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[i_])) ||
		                          std::strchr(".eE+-", s_[i_])))
			++i_;
		return i_ > start && std::isdigit(static_cast<unsigned char>(s_[i_ - 1]));
	}
	bool word(std::string_view w)
	{
		if (s_.substr(i_, w.size()) != w)
			return false;
		i_ += w.size();
		return true;
	}
	bool peek(char c) const { return i_ < s_.size() && s_[i_] == c; }
	void ws()
	{
		while (i_ < s_.size() && std::strchr(" \t\r\n", s_[i_]))
			++i_;
	}

	std::string_view s_;
	std::size_t i_ = 0;
	int depth_ = 0;
};

inline bool json_valid(std::string_view s)
{
	return JsonCheck(s).valid();
}

} // namespace test_support
