// The JavaScript surface of the addon: a thin Sensor class over SensorObject (load/attach/maps) and
// RingDrainer (batches). One JS call per batch of records, never per event.
#include <napi.h>
#include <sys/prctl.h>

#include <cstdio>
#include <cstring>
#include <memory>

#include "libbpf_log.h"
#include "lsmwatch.h"
#include "ring_drainer.h"
#include "sensor_object.h"
#include "sensor_upkeep.h"

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

class Sensor : public Napi::ObjectWrap<Sensor> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Sensor",
                       {
                           InstanceMethod<&Sensor::Attach>("attach"),
                           InstanceMethod<&Sensor::UpdateElem>("updateElem"),
                           InstanceMethod<&Sensor::SetSettings>("setSettings"),
                           InstanceMethod<&Sensor::DeleteElem>("deleteElem"),
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
    result.Set("attached", attached);
    result.Set("skipped", skipped);
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

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  InstallLibbpfLogCapture();
  exports.Set("Sensor", Sensor::Define(env));
  exports.Set("setDumpable", Napi::Function::New(env, SetDumpable));
  exports.Set("abiVersion", Napi::Number::New(env, LW_ABI_VERSION));
  return exports;
}

}  // namespace
}  // namespace lsmwatch

static Napi::Object InitLsmwatch(Napi::Env env, Napi::Object exports) { return lsmwatch::Init(env, exports); }

NODE_API_MODULE(lsmwatch, InitLsmwatch)
