// The data of the codec benchmark: apache/dubbo-benchmark's `User` and `Page<User>` beans, with the
// values its UserServiceServerImpl returns (getUser / listUser), as typed C++ structs.
//
// The Java beans hold java.time.LocalDate / LocalDateTime. Dubbo's Hessian (hessian-lite) sends
// those as the objects of its java8 "handle" classes, so these structs are bound to the handle
// class names and the Hessian bytes are what a Java Dubbo provider would accept for this bean:
//   LocalDate      -> LocalDateHandle     {int year, int month, int day}
//   LocalTime      -> LocalTimeHandle     {int hour, int minute, int second, int nano}
//   LocalDateTime  -> LocalDateTimeHandle {LocalDate date, LocalTime time}
// MessagePack (dubbo-cpp's codec and msgpack-cxx alike) sends the same structs as maps of their
// fields. Each struct also carries MSGPACK_DEFINE_MAP, so msgpack-cxx's own object model packs and
// converts exactly the same shape (the benchmark checks the two msgpack encodings are identical).
#pragma once

#include <cstdint>
#include <msgpack.hpp>
#include <string>
#include <vector>

#include "codec/reflect.h"
#include "examples/user-service/sample_user.h"

namespace dubbo::bench {

// Java field names are kept as C++ member names so one declaration serves every codec.
struct LocalDate {
  int32_t year = 0;
  int32_t month = 0;
  int32_t day = 0;
  MSGPACK_DEFINE_MAP(year, month, day);
};
DUBBO_STRUCT(LocalDate, "com.alibaba.com.caucho.hessian.io.java8.LocalDateHandle", year, month, day)

struct LocalTime {
  int32_t hour = 0;
  int32_t minute = 0;
  int32_t second = 0;
  int32_t nano = 0;
  MSGPACK_DEFINE_MAP(hour, minute, second, nano);
};
DUBBO_STRUCT(LocalTime, "com.alibaba.com.caucho.hessian.io.java8.LocalTimeHandle", hour, minute,
             second, nano)

struct LocalDateTime {
  LocalDate date;
  LocalTime time;
  MSGPACK_DEFINE_MAP(date, time);
};
DUBBO_STRUCT(LocalDateTime, "com.alibaba.com.caucho.hessian.io.java8.LocalDateTimeHandle", date,
             time)

// org.apache.dubbo.benchmark.bean.User, fields in Java declaration order.
struct User {
  int64_t id = 0;
  std::string name;
  int32_t sex = 0;
  LocalDate birthday;
  std::string email;
  std::string mobile;
  std::string address;
  std::string icon;
  std::vector<int32_t> permissions;  // List<Integer>: an untyped list (java.util.ArrayList)
  int32_t status = 0;
  LocalDateTime createTime;
  LocalDateTime updateTime;
  MSGPACK_DEFINE_MAP(id, name, sex, birthday, email, mobile, address, icon, permissions, status,
                     createTime, updateTime);
};
DUBBO_STRUCT(User, "org.apache.dubbo.benchmark.bean.User", id, name, sex, birthday, email, mobile,
             address, icon, permissions, status, createTime, updateTime)

// org.apache.dubbo.benchmark.bean.Page<User>.
struct Page {
  int32_t pageNo = 0;
  int32_t total = 0;
  std::vector<User> result;
  MSGPACK_DEFINE_MAP(pageNo, total, result);
};
DUBBO_STRUCT(Page, "org.apache.dubbo.benchmark.bean.Page", pageNo, total, result)

// LocalDateTime.now() on JDK 17 / Linux: microsecond resolution, so nano is a multiple of 1000.
inline LocalDateTime SampleNow() { return {{2024, 5, 17}, {10, 15, 30, 123456000}}; }

// UserServiceServerImpl.getUser(id), with a fixed "now".
inline User MakeUser(int64_t id) { return examples::SampleUser<User>(id, "", SampleNow()); }

// UserServiceServerImpl.listUser(pageNo): 15 users whose strings carry their index.
inline Page MakePage(int32_t page_no) { return examples::SamplePage<Page>(page_no, SampleNow()); }

}  // namespace dubbo::bench
