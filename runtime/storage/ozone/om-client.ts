/**
 * Ozone Manager over gRPC: one unary call, `OzoneManagerService/submitRequest(OMRequest)`, for every
 * metadata operation. This module owns the channels, the request envelope (version, client id,
 * S3Authentication), deadlines and failover across the configured OM addresses; the OM's own
 * result codes are left to the caller (om-errors.ts maps them).
 *
 * Failover: a non-leader OM answers with gRPC INTERNAL and an `OMNotLeaderException` description,
 * a leader still starting with `OMLeaderNotReadyException`; an OM that is down gives UNAVAILABLE.
 * None of these applied the request, so it is sent again, to the next address (not-leader,
 * unavailable) or to the same one after a pause (not ready), until the deadline.
 */
import os from "node:os";
import * as grpc from "@grpc/grpc-js";
import { decodeOmResponse, encodeOmRequest } from "./proto/index.js";

/** What an OM response looks like after decoding (enums as names, 64-bit integers as strings). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OmMessage = Record<string, any>;

export interface S3Authentication {
  accessId: string;
  stringToSign: string;
  signature: string;
}

export interface OmClientOptions {
  /** "host:port" of each OM's gRPC endpoint */
  addresses: readonly string[];
  /** deadline of one call, failover included */
  timeoutMs: number;
  /** sent as OMRequest.clientId */
  clientId: string;
}

/** An answer whose status is not OK. `status` is the OM's result code name, e.g. "KEY_NOT_FOUND". */
export class OmStatusError extends Error {
  constructor(
    readonly cmdType: string,
    readonly status: string,
    readonly omMessage: string,
    readonly response: OmMessage,
  ) {
    super(`OM ${cmdType}: ${status}${omMessage ? `: ${omMessage}` : ""}`);
    this.name = "OmStatusError";
  }
}

/** The OM could not be reached, or kept failing, until the deadline. */
export class OmUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OmUnavailableError";
  }
}

const SERVICE_PATH = "/hadoop.ozone.OzoneManagerService/submitRequest";
/** ClientVersion.CURRENT of Ozone 2.x: lower values are "old clients" and refused on OBJECT_STORE buckets */
const CLIENT_VERSION = 3;
const MAX_MESSAGE = 128 * 1024 * 1024;
const NOT_READY_PAUSE_MS = 200;

/** This host's first external IPv4 address (loopback when it has none): how the OM's audit log names us. */
function hostAddress(): string {
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return "127.0.0.1";
}

export class OmClient {
  private readonly channels: grpc.Client[];
  /** the address believed to be the leader */
  private current = 0;
  private readonly metadata: grpc.Metadata;
  private closed = false;

  constructor(private readonly opts: OmClientOptions) {
    if (opts.addresses.length === 0) throw new Error("no OM address");
    this.channels = opts.addresses.map(
      (address) =>
        new grpc.Client(address, grpc.credentials.createInsecure(), {
          "grpc.max_receive_message_length": MAX_MESSAGE,
          "grpc.max_send_message_length": MAX_MESSAGE,
          "grpc.keepalive_time_ms": 60_000,
          "grpc.keepalive_timeout_ms": 20_000,
        }),
    );
    // Ozone's own client names itself; the OM puts these in UserInfo (audit log).
    this.metadata = new grpc.Metadata();
    this.metadata.set("CLIENT_HOSTNAME", os.hostname());
    this.metadata.set("CLIENT_IP_ADDRESS", hostAddress());
  }

  /**
   * Sends one command. `field` is the OMRequest field carrying the sub-request (its name differs
   * from the command for a few commands, e.g. ListKeysLight travels in listKeysRequest).
   * Resolves with the whole OMResponse when its status is OK; throws OmStatusError otherwise.
   * `timeoutMs` overrides the client's deadline for this call (a readiness check wants its answer
   * sooner than an S3 request does).
   */
  async submit(cmdType: string, field: string, request: OmMessage, auth: S3Authentication, timeoutMs = this.opts.timeoutMs): Promise<OmMessage> {
    const message = {
      cmdType,
      clientId: this.opts.clientId,
      version: CLIENT_VERSION,
      userInfo: { userName: auth.accessId },
      s3Authentication: { stringToSign: auth.stringToSign, signature: auth.signature, accessId: auth.accessId },
      [field]: request,
    };
    const bytes = Buffer.from(encodeOmRequest(message));
    const deadline = Date.now() + timeoutMs;
    let lastProblem = "";
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw new OmUnavailableError("the OM client is closed");
      const index = this.current;
      try {
        const response = await this.call(index, bytes, deadline);
        if (response.status !== "OK") {
          throw new OmStatusError(cmdType, String(response.status), String(response.message ?? ""), response);
        }
        return response;
      } catch (err) {
        if (err instanceof OmStatusError) throw err;
        const e = err as grpc.ServiceError;
        const details = String(e.details ?? e.message ?? "");
        let pause = 0;
        if (e.code === grpc.status.UNAVAILABLE || (e.code === grpc.status.INTERNAL && details.includes("OMNotLeaderException"))) {
          // Not the leader, or not there: the next address. A full round without success pauses.
          if (this.current === index) this.current = (index + 1) % this.channels.length;
          if (this.current === 0 || this.channels.length === 1) pause = Math.min(50 * 2 ** Math.min(attempt, 5), 1000);
        } else if (e.code === grpc.status.INTERNAL && details.includes("OMLeaderNotReadyException")) {
          pause = NOT_READY_PAUSE_MS;
        } else if (e.code === grpc.status.DEADLINE_EXCEEDED) {
          // After earlier not-leader or unavailable answers, those say more than the last silence.
          if (lastProblem !== "") throw new OmUnavailableError(`OM ${cmdType}: no leader answered within ${timeoutMs} ms (last: ${lastProblem})`);
          throw new OmUnavailableError(`OM ${cmdType}: no answer within ${timeoutMs} ms (${this.opts.addresses[index]})`);
        } else {
          throw new OmUnavailableError(`OM ${cmdType} at ${this.opts.addresses[index]}: ${grpc.status[e.code] ?? e.code} ${details}`);
        }
        lastProblem = `${this.opts.addresses[index]}: ${grpc.status[e.code] ?? e.code} ${details.split("\n")[0]}`;
        if (Date.now() + pause >= deadline) {
          throw new OmUnavailableError(`OM ${cmdType}: no leader answered within ${timeoutMs} ms (last: ${lastProblem})`);
        }
        if (pause > 0) await new Promise((r) => setTimeout(r, pause));
      }
    }
  }

  private call(index: number, bytes: Buffer, deadline: number): Promise<OmMessage> {
    return new Promise((resolve, reject) => {
      this.channels[index].makeUnaryRequest(
        SERVICE_PATH,
        (b: Buffer) => b,
        (b: Buffer) => decodeOmResponse(b) as OmMessage,
        bytes,
        this.metadata,
        { deadline },
        (err, value) => (err ? reject(err) : resolve(value!)),
      );
    });
  }

  close(): void {
    this.closed = true;
    for (const c of this.channels) c.close();
  }
}
