// The JavaScript surface of the addon: a thin Sensor class over SensorObject (load/attach/maps) and
// RingDrainer (batches). One JS call per batch of records, never per event.
#include <napi.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>

#include "libbpf_log.h"
#include "lsmwatch.h"
#include "map_census.h"
#include "ring_drainer.h"
#include "sd_notify.h"
#include "sensor_object.h"
#include "sensor_upkeep.h"
#include "xattr_reader.h"

namespace lsmwatch {
namespace {

Napi::Error ToJsError(Napi::Env env, const SensorFailure& failure) {
  Napi::Error error = Napi::Error::New(env, failure.what());
  error.Set("code", Napi::String::New(env, failure.code()));
  error.Set("errno", Napi::Number::New(env, failure.err()));
  error.Set("log", Napi::String::New(env, failure.log()));
  return error;
}

std::vector<uint8_t> BytesOf(const Napi::Value& value, const char* what) {
  if (!value.IsBuffer()) throw Napi::TypeError::New(value.Env(), std::string(what) + " must be a Buffer");
  auto buf = value.As<Napi::Buffer<uint8_t>>();
  return std::vector<uint8_t>(buf.Data(), buf.Data() + buf.Length());
}

uint32_t OptionalUint(const Napi::Object& o, const char* key, uint32_t fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return fallback;
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), std::string(key) + " must be a number");
  return v.As<Napi::Number>().Uint32Value();
}

// Counts map entries on a libuv worker thread (a full 64Ki-entry LRU map takes a few milliseconds
// even with batch lookups): the JavaScript thread, which carries the events, never waits for it.
class MapCensusWorker : public Napi::AsyncWorker {
 public:
  MapCensusWorker(Napi::Env env, std::vector<MapCensusTarget> targets)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), targets_(std::move(targets)) {}
  ~MapCensusWorker() override {
    for (auto& t : targets_) close(t.fd);
  }
  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    for (const auto& t : targets_) results_.push_back(CountMapEntries(t));
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::Array out = Napi::Array::New(env, results_.size());
    for (uint32_t i = 0; i < results_.size(); i++) {
      Napi::Object r = Napi::Object::New(env);
      r.Set("name", results_[i].name);
      r.Set("entries", Napi::Number::New(env, static_cast<double>(results_[i].entries)));
      r.Set("complete", results_[i].complete);
      r.Set("method", results_[i].method);
      if (!results_[i].error.empty()) r.Set("error", results_[i].error);
      out.Set(i, r);
    }
    deferred_.Resolve(out);
  }
  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::vector<MapCensusTarget> targets_;
  std::vector<MapCensusResult> results_;
};

class Sensor : public Napi::ObjectWrap<Sensor> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Sensor",
                       {
                           InstanceMethod<&Sensor::Attach>("attach"),
                           InstanceMethod<&Sensor::UpdateElem>("updateElem"),
                           InstanceMethod<&Sensor::SetSettings>("setSettings"),
                           InstanceMethod<&Sensor::ReadMap>("readMap"),
                           InstanceMethod<&Sensor::DeleteElem>("deleteElem"),
                           InstanceMethod<&Sensor::MarkPath>("markPath"),
                           InstanceMethod<&Sensor::Features>("features"),
                           InstanceMethod<&Sensor::LookupElem>("lookupElem"),
                           InstanceMethod<&Sensor::ClearMap>("clearMap"),
                           InstanceMethod<&Sensor::MapInfo>("mapInfo"),
                           InstanceMethod<&Sensor::CountEntries>("countEntries"),
                           InstanceMethod<&Sensor::RunStats>("runStats"),
                           InstanceMethod<&Sensor::RingUsage>("ringUsage"),
                           InstanceMethod<&Sensor::Start>("start"),
                           InstanceMethod<&Sensor::Pause>("pause"),
                           InstanceMethod<&Sensor::Resume>("resume"),
                           InstanceMethod<&Sensor::Stats>("stats"),
                           InstanceMethod<&Sensor::VerifyAttachments>("verifyAttachments"),
                           InstanceMethod<&Sensor::ObjectIds>("objectIds"),
                           InstanceMethod<&Sensor::ArmWatchdog>("armWatchdog"),
                           InstanceMethod<&Sensor::Heartbeat>("heartbeat"),
                           InstanceMethod<&Sensor::WatchdogFired>("watchdogFired"),
                           InstanceMethod<&Sensor::Detach>("detach"),
                           InstanceMethod<&Sensor::Flush>("flush"),
                           InstanceMethod<&Sensor::Close>("close"),
                       });
  }

  // new Sensor({ kind: 'lsm'|'tracepoint', agentTgid, ringBytes, wakeupBytes, batchBytes, queueBytes })
  explicit Sensor(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Sensor>(info) {
    Napi::Env env = info.Env();
    if (!info[0].IsObject()) throw Napi::TypeError::New(env, "Sensor options must be an object");
    Napi::Object o = info[0].As<Napi::Object>();
    std::string kind = o.Get("kind").ToString().Utf8Value();
    SensorOptions options;
    if (kind == "lsm") {
      options.kind = SensorKind::kLsm;
    } else if (kind == "tracepoint") {
      options.kind = SensorKind::kTracepoint;
    } else {
      throw Napi::TypeError::New(env, "kind must be 'lsm' or 'tracepoint'");
    }
    options.agent_tgid = OptionalUint(o, "agentTgid", 0);
    options.ring_bytes = OptionalUint(o, "ringBytes", options.ring_bytes);
    options.wakeup_bytes = OptionalUint(o, "wakeupBytes", options.wakeup_bytes);
    options.aggregate_window_ms = OptionalUint(o, "aggregateWindowMs", options.aggregate_window_ms);
    batch_bytes_ = OptionalUint(o, "batchBytes", 256 * 1024);
    queue_bytes_ = OptionalUint(o, "queueBytes", 32 * 1024 * 1024);
    try {
      object_ = std::make_unique<SensorObject>(options);
      upkeep_ = std::make_unique<SensorUpkeep>(object_.get(), options.aggregate_window_ms);
    } catch (const SensorFailure& failure) {
      throw ToJsError(env, failure);
    }
    cleanup_hook_ = env.AddCleanupHook(&Sensor::CleanupHook, this);
    cleanup_registered_ = true;
  }

  ~Sensor() override {
    Shutdown();
    if (cleanup_registered_) cleanup_hook_.Remove(Env());
  }

 private:
  static void CleanupHook(Sensor* self) {
    self->cleanup_registered_ = false;
    self->Shutdown();
  }

  // Stops the drainer, detaches every program and frees the object. Safe to call repeatedly.
  void Shutdown() {
    StopDrainer();
    drainer_.reset();
    if (tsfn_started_) {
      tsfn_.Release();
      tsfn_started_ = false;
    }
    upkeep_.reset();
    object_.reset();
  }

  void StopDrainer() {
    if (!drainer_) return;
    drainer_->Stop();
    if (upkeep_) upkeep_->SetDrainerRunning(false);
  }

  SensorObject& Object(Napi::Env env) {
    if (!object_) throw Napi::Error::New(env, "sensor is closed");
    return *object_;
  }

  Napi::Value Attach(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
      Object(env).Attach();
    } catch (const SensorFailure& failure) {
      throw ToJsError(env, failure);
    }
    Napi::Object result = Napi::Object::New(env);
    Napi::Array attached = Napi::Array::New(env);
    uint32_t i = 0;
    for (const auto& a : object_->attachments()) {
      Napi::Object entry = Napi::Object::New(env);
      entry.Set("program", a.program);
      entry.Set("hook", a.hook);
      entry.Set("progId", a.prog_id);
      entry.Set("linkId", a.link_id);
      attached.Set(i++, entry);
    }
    Napi::Array skipped = Napi::Array::New(env);
    i = 0;
    for (const auto& s : object_->skipped()) {
      Napi::Object entry = Napi::Object::New(env);
      entry.Set("program", s.program);
      entry.Set("reason", s.reason);
      skipped.Set(i++, entry);
    }
    Napi::Array variants = Napi::Array::New(env);
    i = 0;
    for (const auto& v : object_->variants()) {
      Napi::Object entry = Napi::Object::New(env);
      entry.Set("program", v.base);
      entry.Set("variant", v.chosen);
      entry.Set("reason", v.reason);
      variants.Set(i++, entry);
    }
    result.Set("attached", attached);
    result.Set("skipped", skipped);
    result.Set("variants", variants);
    return result;
  }

  Napi::Value UpdateElem(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
      Object(env).UpdateElem(info[0].ToString().Utf8Value(), BytesOf(info[1], "key"), BytesOf(info[2], "value"));
    } catch (const SensorFailure& failure) {
      throw ToJsError(env, failure);
    }
    return env.Undefined();
  }

  Napi::Value DeleteElem(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
      Object(env).DeleteElem(info[0].ToString().Utf8Value(), BytesOf(info[1], "key"));
    } catch (const SensorFailure& failure) {
      throw ToJsError(env, failure);
    }
    return env.Undefined();
  }

  // markPath(path, flags, watch, id, pin) -> Buffer (struct lw_inode_key): see SensorObject::MarkPath.
  Napi::Value MarkPath(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsString()) throw Napi::TypeError::New(env, "markPath needs a path");
    for (int i = 1; i <= 3; i++) {
      if (!info[i].IsNumber()) throw Napi::TypeError::New(env, "markPath needs flags, watch and id numbers");
    }
    MarkedInode marked;
    try {
      marked = Object(env).MarkPath(info[0].As<Napi::String>().Utf8Value(), info[1].As<Napi::Number>().Uint32Value(),
                                    info[2].As<Napi::Number>().Uint32Value(), info[3].As<Napi::Number>().Uint32Value(),
                                    info[4].ToBoolean().Value());
    } catch (const SensorFailure& failure) {
      throw ToJsError(env, failure);
    }
    // struct lw_inode_key, the key of the mark in lw_inode_marks
    return Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<const uint8_t*>(&marked), sizeof(marked));
  }

  // { dcacheResolver, postOpRecords }: what this kernel let the sensor load.
  Napi::Value Features(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const SensorFeatures& f = Object(env).features();
    Napi::Object out = Napi::Object::New(env);
    out.Set("dcacheResolver", f.dcache_resolver);
    out.Set("postOpRecords", f.post_op_records);
    return out;
  }

  // lookupElem(map, key): the value as a Buffer, or null when the key is absent.
  Napi::Value LookupElem(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::vector<uint8_t> value;
    bool found;
    try {
      found = Object(env).LookupElem(info[0].ToString().Utf8Value(), BytesOf(info[1], "key"), &value);
    } catch (const SensorFailure& failure) {
      throw ToJsError(env, failure);
    }
    if (!found) return env.Null();
    return Napi::Buffer<uint8_t>::Copy(env, value.data(), value.size());
  }

  // clearMap(map): deletes every entry of a hash map (a verdict cache after a reload); returns how many.
  Napi::Value ClearMap(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    MapCensusTarget target;
    try {
      target = Object(env).CensusTarget(info[0].ToString().Utf8Value());
    } catch (const SensorFailure& failure) {
      throw ToJsError(env, failure);
    }
    std::string error;
    uint64_t deleted = ClearMapEntries(target, &error);
    close(target.fd);
    if (!error.empty()) throw ToJsError(env, SensorFailure("EIO", EIO, "clearing map " + target.name + ": " + error, ""));
    return Napi::Number::New(env, static_cast<double>(deleted));
  }

  // mapInfo(): [{ name, id, type, maxEntries, keySize, valueSize }] for every map of the object.
  Napi::Value MapInfo(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto maps = Object(env).MapInfos();
    Napi::Array out = Napi::Array::New(env, maps.size());
    for (uint32_t i = 0; i < maps.size(); i++) {
      Napi::Object m = Napi::Object::New(env);
      m.Set("name", maps[i].name);
      m.Set("id", maps[i].id);
      m.Set("type", maps[i].type);
      m.Set("maxEntries", maps[i].max_entries);
      m.Set("keySize", maps[i].key_size);
      m.Set("valueSize", maps[i].value_size);
      out.Set(i, m);
    }
    return out;
  }

  // countEntries(names): Promise of [{ name, entries, complete, method, error? }], counted off this thread.
  Napi::Value CountEntries(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsArray()) throw Napi::TypeError::New(env, "countEntries needs an array of map names");
    Napi::Array names = info[0].As<Napi::Array>();
    std::vector<MapCensusTarget> targets;
    try {
      for (uint32_t i = 0; i < names.Length(); i++) targets.push_back(Object(env).CensusTarget(names.Get(i).ToString().Utf8Value()));
    } catch (const SensorFailure& failure) {
      for (auto& t : targets) close(t.fd);
      throw ToJsError(env, failure);
    }
    auto* worker = new MapCensusWorker(env, std::move(targets));
    Napi::Promise promise = worker->Promise();
    worker->Queue();
    return promise;
  }

  // runStats(): [{ program, hook, progId, ok, runCnt, runTimeNs, recursionMisses }] of the attached programs.
  Napi::Value RunStats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto stats = Object(env).RunStats();
    Napi::Array out = Napi::Array::New(env, stats.size());
    for (uint32_t i = 0; i < stats.size(); i++) {
      Napi::Object p = Napi::Object::New(env);
      p.Set("program", stats[i].attachment.program);
      p.Set("hook", stats[i].attachment.hook);
      p.Set("progId", stats[i].attachment.prog_id);
      p.Set("ok", stats[i].ok);
      p.Set("runCnt", Napi::Number::New(env, static_cast<double>(stats[i].run_cnt)));
      p.Set("runTimeNs", Napi::Number::New(env, static_cast<double>(stats[i].run_time_ns)));
      p.Set("recursionMisses", Napi::Number::New(env, static_cast<double>(stats[i].recursion_misses)));
      out.Set(i, p);
    }
    return out;
  }

  // ringUsage(): { ok, pendingBytes, capacityBytes } of the kernel ring buffer; queue figures are in stats().
  Napi::Value RingUsage(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    struct RingUsage usage;
    try {
      usage = Object(env).RingFill();
    } catch (const SensorFailure& failure) {
      throw ToJsError(env, failure);
    }
    Napi::Object out = Napi::Object::New(env);
    out.Set("ok", usage.ok);
    out.Set("pendingBytes", Napi::Number::New(env, static_cast<double>(usage.pending_bytes)));
    out.Set("capacityBytes", Napi::Number::New(env, static_cast<double>(usage.capacity_bytes)));
    return out;
  }

  // setSettings(value: Buffer): the one way lw_settings_map is written (see SensorUpkeep).
  Napi::Value SetSettings(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Object(env);
    std::vector<uint8_t> value = BytesOf(info[0], "settings");
    if (value.size() != sizeof(struct lw_settings)) {
      throw Napi::TypeError::New(env, "settings must be " + std::to_string(sizeof(struct lw_settings)) + " bytes");
    }
    struct lw_settings settings;
    memcpy(&settings, value.data(), sizeof(settings));
    try {
      upkeep_->SetSettings(settings);
    } catch (const SensorFailure& failure) {
      throw ToJsError(env, failure);
    }
    return env.Undefined();
  }

  // readMap(name, maxEntries) → { entries: [{ key: Buffer, value: Buffer }], complete: boolean }:
  // what a map holds now, for the integrity check (never on the event path).
  Napi::Value ReadMap(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsString() || !info[1].IsNumber()) throw Napi::TypeError::New(env, "readMap(name: string, maxEntries: number)");
    std::vector<MapEntry> entries;
    bool complete;
    try {
      complete = Object(env).DumpMap(info[0].As<Napi::String>().Utf8Value(), info[1].As<Napi::Number>().Uint32Value(), &entries);
    } catch (const SensorFailure& failure) {
      throw ToJsError(env, failure);
    }
    Napi::Array list = Napi::Array::New(env, entries.size());
    for (uint32_t i = 0; i < entries.size(); i++) {
      Napi::Object entry = Napi::Object::New(env);
      entry.Set("key", Napi::Buffer<uint8_t>::Copy(env, entries[i].key.data(), entries[i].key.size()));
      entry.Set("value", Napi::Buffer<uint8_t>::Copy(env, entries[i].value.data(), entries[i].value.size()));
      list.Set(i, entry);
    }
    Napi::Object out = Napi::Object::New(env);
    out.Set("entries", list);
    out.Set("complete", complete);
    return out;
  }

  // start(onBatch: (records: Buffer, count: number) => void)
  Napi::Value Start(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsFunction()) throw Napi::TypeError::New(env, "start needs a callback");
    if (drainer_) throw Napi::Error::New(env, "sensor already started");
    SensorObject& object = Object(env);
    tsfn_ = Napi::ThreadSafeFunction::New(env, info[0].As<Napi::Function>(), "lsmwatch-ring", 0, 1);
    tsfn_started_ = true;
    try {
      drainer_ = std::make_unique<RingDrainer>(
          object.RingBufferFd(), batch_bytes_, queue_bytes_,
          [this]() {
            // Called on the drainer thread; the JS side then pops every queued batch.
            tsfn_.NonBlockingCall([this](Napi::Env, Napi::Function callback) { Deliver(callback); });
          },
          [this]() { upkeep_->RunOnce(); });
      upkeep_->SetDrainerRunning(true);
      drainer_->Start();
    } catch (const SensorFailure& failure) {
      throw ToJsError(env, failure);
    }
    return env.Undefined();
  }

  // Each batch is lent to JavaScript for the length of one call, without a copy: the buffer is
  // detached when the call returns (a view kept by mistake then reads as empty, never as a later
  // batch) and its memory goes back to the drainer. Copies would pile up as external memory that
  // V8 collects late: hundreds of MB under a flood.
  void Deliver(Napi::Function callback) {
    Batch batch;
    while (!paused_ && drainer_ && drainer_->Pop(&batch)) {
      Napi::Env env = callback.Env();
      auto buffer = Napi::Buffer<uint8_t>::New(env, batch.bytes.data(), batch.bytes.size());
      try {
        callback.Call({buffer, Napi::Number::New(env, batch.records)});
      } catch (...) {
        // JavaScript threw: the buffer may still be reachable, so its memory is never reused.
        kept_after_exception_.push_back(std::move(batch.bytes));
        throw;
      }
      buffer.ArrayBuffer().Detach();
      drainer_->Recycle(std::move(batch.bytes));
    }
  }

  // { maps: [{name, id}], progs: [{name, id}] }: what --protect guards.
  Napi::Value ObjectIds(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    SensorObject& object = Object(env);
    auto list = [&](const std::vector<ObjectId>& ids) {
      Napi::Array out = Napi::Array::New(env, ids.size());
      for (uint32_t i = 0; i < ids.size(); i++) {
        Napi::Object entry = Napi::Object::New(env);
        entry.Set("name", ids[i].name);
        entry.Set("id", ids[i].id);
        out.Set(i, entry);
      }
      return out;
    };
    Napi::Object out = Napi::Object::New(env);
    out.Set("maps", list(object.MapIds()));
    out.Set("progs", list(object.ProgIds()));
    return out;
  }

  // The guard must not outlive a hung JavaScript thread: see SensorUpkeep.
  Napi::Value ArmWatchdog(const Napi::CallbackInfo& info) {
    Object(info.Env());
    upkeep_->ArmWatchdog(info[0].As<Napi::Number>().Int64Value());
    return info.Env().Undefined();
  }

  Napi::Value Heartbeat(const Napi::CallbackInfo& info) {
    if (upkeep_) upkeep_->Heartbeat();
    return info.Env().Undefined();
  }

  Napi::Value WatchdogFired(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), upkeep_ && upkeep_->WatchdogFired());
  }

  // While paused (stdout is backed up) batches wait in the bounded queue; overflow is counted.
  Napi::Value Pause(const Napi::CallbackInfo& info) {
    paused_ = true;
    return info.Env().Undefined();
  }

  Napi::Value Resume(const Napi::CallbackInfo& info) {
    paused_ = false;
    if (drainer_ && tsfn_started_) {
      tsfn_.NonBlockingCall([this](Napi::Env, Napi::Function callback) { Deliver(callback); });
    }
    return info.Env().Undefined();
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object out = Napi::Object::New(env);
    std::vector<uint64_t> kernel;
    try {
      kernel = Object(env).ReadCounters("lw_stats", LW_STAT_MAX);
    } catch (const SensorFailure& failure) {
      throw ToJsError(env, failure);
    }
    Napi::Array k = Napi::Array::New(env, kernel.size());
    for (uint32_t i = 0; i < kernel.size(); i++) k.Set(i, Napi::Number::New(env, static_cast<double>(kernel[i])));
    out.Set("kernel", k);
    DrainerCounters c = drainer_ ? drainer_->Counters() : DrainerCounters();
    Napi::Object user = Napi::Object::New(env);
    user.Set("recordsReceived", static_cast<double>(c.records_received));
    user.Set("recordsDelivered", static_cast<double>(c.records_delivered));
    user.Set("recordsDropped", static_cast<double>(c.records_dropped));
    user.Set("processRecordsDropped", static_cast<double>(c.process_records_dropped));
    user.Set("batchesDelivered", static_cast<double>(c.batches_delivered));
    user.Set("queuedBytes", static_cast<double>(c.queued_bytes));
    user.Set("queueCapacityBytes", static_cast<double>(queue_bytes_));
    out.Set("user", user);
    return out;
  }

  Napi::Value VerifyAttachments(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto states = Object(env).VerifyAttachments();
    Napi::Array out = Napi::Array::New(env, states.size());
    for (uint32_t i = 0; i < states.size(); i++) {
      Napi::Object entry = Napi::Object::New(env);
      entry.Set("program", states[i].attachment.program);
      entry.Set("hook", states[i].attachment.hook);
      entry.Set("progId", states[i].attachment.prog_id);
      entry.Set("linkId", states[i].attachment.link_id);
      entry.Set("progPresent", states[i].prog_present);
      entry.Set("linkPresent", states[i].link_present);
      out.Set(i, entry);
    }
    return out;
  }

  // Detaches every program: no new events. Maps, counters and the ring buffer stay readable.
  Napi::Value Detach(const Napi::CallbackInfo& info) {
    if (object_) object_->DetachLinks();
    return info.Env().Undefined();
  }

  // Stops the drainer after a last pass over the ring buffer and hands every queued batch to the
  // callback now, synchronously: used at shutdown so the final counters are complete.
  Napi::Value Flush(const Napi::CallbackInfo& info) {
    if (!drainer_) return info.Env().Undefined();
    if (object_) {
      try {
        object_->FlushWrites(LW_FLUSH_ALL);  // after detach: nothing adds to the counts any more
      } catch (const SensorFailure& failure) {
        throw ToJsError(info.Env(), failure);
      }
    }
    StopDrainer();
    paused_ = false;
    if (!info[0].IsFunction()) throw Napi::TypeError::New(info.Env(), "flush needs the batch callback");
    Deliver(info[0].As<Napi::Function>());
    return info.Env().Undefined();
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    Shutdown();
    return info.Env().Undefined();
  }

  std::unique_ptr<SensorObject> object_;
  std::unique_ptr<SensorUpkeep> upkeep_;  // needs object_; destroyed before it
  std::unique_ptr<RingDrainer> drainer_;
  std::vector<std::vector<uint8_t>> kept_after_exception_;  // see Deliver
  Napi::ThreadSafeFunction tsfn_;
  bool tsfn_started_ = false;
  bool paused_ = false;
  bool cleanup_registered_ = false;
  Napi::Env::CleanupHook<void (*)(Sensor*), Sensor> cleanup_hook_;
  size_t batch_bytes_ = 0;
  size_t queue_bytes_ = 0;
};

// setDumpable(false): tracers without CAP_SYS_PTRACE can no longer attach to this process.
Napi::Value SetDumpable(const Napi::CallbackInfo& info) {
  int value = info[0].ToBoolean().Value() ? 1 : 0;
  if (prctl(PR_SET_DUMPABLE, value, 0, 0, 0) != 0) {
    Napi::Error error = Napi::Error::New(info.Env(), "prctl(PR_SET_DUMPABLE) failed");
    error.Set("code", ErrnoName(errno));
    throw error;
  }
  return info.Env().Undefined();
}

// readXattrs(fd): { entries: [{ name: Buffer, value: Buffer }], skipped } of an open file (the
// baseline's extended attributes). JavaScript validates fd; a failure is an Error with code.
Napi::Value ReadXattrsJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber()) throw Napi::TypeError::New(env, "readXattrs needs a file descriptor");
  int fd = info[0].As<Napi::Number>().Int32Value();
  XattrList list;
  int err = fd < 0 ? EBADF : ReadXattrs(fd, &list);
  if (err != 0) {
    Napi::Error error = Napi::Error::New(env, std::string("reading extended attributes failed: ") + strerror(err));
    error.Set("code", ErrnoName(err));
    throw error;
  }
  Napi::Array entries = Napi::Array::New(env, list.entries.size());
  for (size_t i = 0; i < list.entries.size(); i++) {
    const XattrEntry& e = list.entries[i];
    Napi::Object item = Napi::Object::New(env);
    item.Set("name", Napi::Buffer<char>::Copy(env, e.name.data(), e.name.size()));
    item.Set("value", Napi::Buffer<unsigned char>::Copy(env, e.value.data(), e.value.size()));
    entries.Set(static_cast<uint32_t>(i), item);
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("entries", entries);
  result.Set("skipped", Napi::Number::New(env, list.skipped));
  return result;
}

// ignoreSignals([signo, ...]): SIG_IGN for each (JavaScript validates the list). Used for SIGTTIN and
// SIGTTOU: a handler would make a background write to a tty with TOSTOP restart forever, ignoring
// them lets the write through; either way the agent never stops.
Napi::Value IgnoreSignals(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArray()) throw Napi::TypeError::New(env, "ignoreSignals needs an array of signal numbers");
  Napi::Array list = info[0].As<Napi::Array>();
  for (uint32_t i = 0; i < list.Length(); i++) {
    Napi::Value v = list.Get(i);
    if (!v.IsNumber()) throw Napi::TypeError::New(env, "signal numbers must be numbers");
    int sig = v.As<Napi::Number>().Int32Value();
    struct sigaction act = {};
    act.sa_handler = SIG_IGN;
    sigemptyset(&act.sa_mask);
    if (sig <= 0 || sig == SIGKILL || sig == SIGSTOP || sigaction(sig, &act, nullptr) != 0) {
      Napi::Error error = Napi::Error::New(env, "cannot ignore signal " + std::to_string(sig));
      error.Set("code", ErrnoName(sig <= 0 || sig == SIGKILL || sig == SIGSTOP ? EINVAL : errno));
      throw error;
    }
  }
  return env.Undefined();
}

// sdNotify(socketPath, message): 0, or the errno of the failed send (see sd_notify.h).
Napi::Value SdNotifyJs(const Napi::CallbackInfo& info) {
  if (!info[0].IsString() || !info[1].IsString()) throw Napi::TypeError::New(info.Env(), "sdNotify(socketPath, message) takes two strings");
  int err = SdNotify(info[0].As<Napi::String>().Utf8Value(), info[1].As<Napi::String>().Utf8Value());
  return Napi::Number::New(info.Env(), err);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  InstallLibbpfLogCapture();
  exports.Set("sdNotify", Napi::Function::New(env, SdNotifyJs));
  exports.Set("Sensor", Sensor::Define(env));
  exports.Set("setDumpable", Napi::Function::New(env, SetDumpable));
  exports.Set("ignoreSignals", Napi::Function::New(env, IgnoreSignals));
  exports.Set("readXattrs", Napi::Function::New(env, ReadXattrsJs));
  exports.Set("abiVersion", Napi::Number::New(env, LW_ABI_VERSION));
  return exports;
}

}  // namespace
}  // namespace lsmwatch

static Napi::Object InitLsmwatch(Napi::Env env, Napi::Object exports) { return lsmwatch::Init(env, exports); }

NODE_API_MODULE(lsmwatch, InitLsmwatch)
