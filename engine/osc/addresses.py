"""The `/ainur/...` OSC vocabulary, with the type tags each message carries.

Sender (Ainur Studio) -> receiver:
    /ainur/take           ssiiiffs  path, take_id, sample_rate, channels, frames, bpm, bars, prompt
                                    (bpm and bars are 0.0 when unknown)
    /ainur/take/file      ssiiiffssii  the same for one file of a take sent as parts (its stems
                                    and/or its mix), then role (a stem role or "mix"), index
                                    (0-based), count (files in this delivery)
    /ainur/stream/begin   siiiiiss  stream_id, sample_rate, channels, total_frames, chunk_frames,
                                    total_chunks, sample_format ("f32le"), sha256_hex of the PCM
                          ...ssii   and, for one file of a take sent as parts: group (the take,
                                    a safe name), role, index (0-based), count
    /ainur/stream/chunk   siiiib    stream_id, seq, frame_offset, n_frames, crc32 (as int32), payload
    /ainur/stream/end     si        stream_id, total_chunks (resent until done)
    /ainur/stream/abort   ss        stream_id, reason

Receiver -> sender (to the datagram's source address, or over the same TCP connection):
    /ainur/stream/ready   si        stream_id, window_chunks
    /ainur/stream/ack     si        stream_id, next_expected_seq (cumulative)
    /ainur/stream/nack    si...     stream_id, then (start_seq, count) pairs of missing ranges
    /ainur/stream/done    sis       stream_id, ok (1/0), sha256_hex or the reason it failed
    /ainur/stream/error   ss        stream_id, message

Anyone -> any of our OSC listeners (`receive`, `daw listen`, the engine's DAW listener):
    /ainur/status         (any)     ask for the listener's counters
    /ainur/status/reply   iii       datagrams received, datagrams dropped (malformed, or the
                                    handler failed), messages rejected (well-formed, not accepted)
"""

TAKE = "/ainur/take"
TAKE_TYPES = "ssiiiffs"
TAKE_FILE = "/ainur/take/file"
TAKE_FILE_TYPES = TAKE_TYPES + "sii"

STREAM_BEGIN = "/ainur/stream/begin"
STREAM_BEGIN_TYPES = "siiiiiss"
STREAM_PART_TYPES = "ssii"      # appended to STREAM_BEGIN_TYPES for one file of a take
MAX_PARTS = 16                  # files in one take sent as parts (5 stems and the mix today)
STREAM_CHUNK = "/ainur/stream/chunk"
STREAM_END = "/ainur/stream/end"
STREAM_ABORT = "/ainur/stream/abort"
STREAM_READY = "/ainur/stream/ready"
STREAM_ACK = "/ainur/stream/ack"
STREAM_NACK = "/ainur/stream/nack"
STREAM_DONE = "/ainur/stream/done"
STREAM_ERROR = "/ainur/stream/error"

LISTENER_STATUS = "/ainur/status"
LISTENER_STATUS_REPLY = "/ainur/status/reply"

SAMPLE_FORMAT = "f32le"

# How a take can be delivered (engine/osc/delivery.py documents each).
DELIVERY_KINDS = ("notify", "stream", "scsynth", "scsynth-stream", "reaper", "bitwig", "ableton")
