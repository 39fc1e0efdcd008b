#include "report/json_writer.hpp"

#include "sim/verify.hpp"

#include <cmath>
#include <cstdio>

namespace report {

std::string JsonWriter::quote(std::string_view s)
{
	std::string out = "\"";
	for (char ch : s) {
		auto c = static_cast<unsigned char>(ch);
		switch (c) {
		case '"':
			out += "\\\"";
			break;
		case '\\':
			out += "\\\\";
			break;
		case '\n':
			out += "\\n";
			break;
		case '\r':
			out += "\\r";
			break;
		case '\t':
			out += "\\t";
			break;
		case '\b':
			out += "\\b";
			break;
		case '\f':
			out += "\\f";
			break;
		default:
			if (c < 0x20) {
				char buf[8];
				std::snprintf(buf, sizeof buf, "\\u%04x", c);
				out += buf;
			} else {
				out += ch;
			}
		}
	}
	return out + "\"";
}

void JsonWriter::before_value()
{
	if (after_key_) {
		after_key_ = false;
		return;
	}
	if (!has_member_.empty()) {
		if (has_member_.back())
			out_ += ',';
		has_member_.back() = true;
	}
}

JsonWriter& JsonWriter::begin_object()
{
	before_value();
	out_ += '{';
	has_member_.push_back(false);
	return *this;
}

JsonWriter& JsonWriter::end_object()
{
	MMCHECK_VERIFY(!has_member_.empty() && !after_key_, "JsonWriter: unbalanced end_object");
	has_member_.pop_back();
	out_ += '}';
	return *this;
}

JsonWriter& JsonWriter::begin_array()
{
	before_value();
	out_ += '[';
	has_member_.push_back(false);
	return *this;
}

JsonWriter& JsonWriter::end_array()
{
	MMCHECK_VERIFY(!has_member_.empty() && !after_key_, "JsonWriter: unbalanced end_array");
	has_member_.pop_back();
	out_ += ']';
	return *this;
}

JsonWriter& JsonWriter::key(std::string_view k)
{
	MMCHECK_VERIFY(!has_member_.empty() && !after_key_, "JsonWriter: key outside an object");
	before_value();
	out_ += quote(k);
	out_ += ':';
	after_key_ = true;
	return *this;
}

JsonWriter& JsonWriter::value(std::string_view s)
{
	before_value();
	out_ += quote(s);
	return *this;
}

JsonWriter& JsonWriter::value(std::int64_t v)
{
	before_value();
	out_ += std::to_string(v);
	return *this;
}

JsonWriter& JsonWriter::value(std::uint64_t v)
{
	before_value();
	out_ += std::to_string(v);
	return *this;
}

JsonWriter& JsonWriter::value(double v)
{
	// JSON has no NaN or infinity.
	if (!std::isfinite(v))
		return null();
	before_value();
	char buf[32];
	std::snprintf(buf, sizeof buf, "%.6g", v);
	out_ += buf;
	return *this;
}

JsonWriter& JsonWriter::value(bool v)
{
	before_value();
	out_ += v ? "true" : "false";
	return *this;
}

JsonWriter& JsonWriter::null()
{
	before_value();
	out_ += "null";
	return *this;
}

} // namespace report
