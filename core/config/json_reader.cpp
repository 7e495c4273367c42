#include "config/json_reader.h"

#include <utility>
#include <vector>

namespace seesaw {
namespace {

using nlohmann::json;

class ValuePath : public nlohmann::json_sax<json>
{
public:
  std::string path() const
  {
    std::string out;
    for (const Frame& f : frames_) out += f.object ? (out.empty() ? "" : ".") + f.key : "[" + std::to_string(f.index) + "]";
    return out;
  }

  bool null() override { return done(); }
  bool boolean(bool) override { return done(); }
  bool number_integer(number_integer_t) override { return done(); }
  bool number_unsigned(number_unsigned_t) override { return done(); }
  bool number_float(number_float_t, const string_t&) override { return done(); }
  bool string(string_t&) override { return done(); }
  bool binary(binary_t&) override { return done(); }
  bool start_object(std::size_t) override { return push(true); }
  bool key(string_t& k) override
  {
    frames_.back().key = k;
    return true;
  }
  bool end_object() override { return pop(); }
  bool start_array(std::size_t) override { return push(false); }
  bool end_array() override { return pop(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

private:
  struct Frame
  {
    bool object;
    std::string key;
    size_t index = 0;
  };
  bool done()
  {
    if (!frames_.empty() && !frames_.back().object) ++frames_.back().index;
    return true;
  }
  bool push(bool object)
  {
    frames_.push_back({object, {}, 0});
    return true;
  }
  bool pop()
  {
    frames_.pop_back();
    return done();
  }
  std::vector<Frame> frames_;
};

}  // namespace

std::string failingValuePath(const std::string& jsonText)
{
  ValuePath where;
  json::sax_parse(jsonText, &where);
  return where.path();
}

ObjectReader::ObjectReader(const json& object, std::string path) : object_(object), path_(std::move(path))
{
  if (!object_.is_object()) throw Error("config field " + where() + ": must be an object");
}

const json* ObjectReader::child(const char* key)
{
  seen_.insert(key);
  auto it = object_.find(key);
  return it == object_.end() ? nullptr : &*it;
}

void ObjectReader::finish() const
{
  for (auto it = object_.begin(); it != object_.end(); ++it)
    if (!seen_.count(it.key())) throw Error("config field " + field(it.key().c_str()) + ": unknown field");
}

}  // namespace seesaw
