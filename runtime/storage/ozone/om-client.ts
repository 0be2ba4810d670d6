/**
 * Ozone Manager over gRPC: one unary call, `OzoneManagerService/submitRequest(OMRequest)`, for every
 * metadata operation, made on node:http2 directly (grpc-h2.ts says why). This module owns the
 * channels, the request envelope (version, client id, S3Authentication), deadlines and failover
 * across the configured OM addresses; the OM's own result codes are left to the caller
 * (om-errors.ts maps them).
 *
 * Failover: a non-leader OM answers with gRPC INTERNAL and an `OMNotLeaderException` description,
 * a leader still starting with `OMLeaderNotReadyException`; an OM that is down gives UNAVAILABLE.
 * None of these applied the request, so it is sent again, to the next address (not-leader,
 * unavailable) or to the same one after a pause (not ready), until the deadline.
 */
import os from "node:os";
import { GrpcCallError, GrpcChannel, GrpcStatus, grpcStatusName } from "./grpc-h2.js";
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
  private readonly channels: GrpcChannel[];
  /** the address believed to be the leader */
  private current = 0;
  private closed = false;

  constructor(private readonly opts: OmClientOptions) {
    if (opts.addresses.length === 0) throw new Error("no OM address");
    // Ozone's own client names itself; the OM puts these in UserInfo (audit log).
    const metadata = { CLIENT_HOSTNAME: os.hostname(), CLIENT_IP_ADDRESS: hostAddress() };
    this.channels = opts.addresses.map((address) => new GrpcChannel(address, { maxMessage: MAX_MESSAGE, metadata }));
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
        const e = err instanceof GrpcCallError ? err : new GrpcCallError(GrpcStatus.UNKNOWN, String(err));
        const { details } = e;
        let pause = 0;
        if (e.code === GrpcStatus.UNAVAILABLE || (e.code === GrpcStatus.INTERNAL && details.includes("OMNotLeaderException"))) {
          // Not the leader, or not there: the next address. A full round without success pauses.
          if (this.current === index) this.current = (index + 1) % this.channels.length;
          if (this.current === 0 || this.channels.length === 1) pause = Math.min(50 * 2 ** Math.min(attempt, 5), 1000);
        } else if (e.code === GrpcStatus.INTERNAL && details.includes("OMLeaderNotReadyException")) {
          pause = NOT_READY_PAUSE_MS;
        } else if (e.code === GrpcStatus.DEADLINE_EXCEEDED) {
          // After earlier not-leader or unavailable answers, those say more than the last silence.
          if (lastProblem !== "") throw new OmUnavailableError(`OM ${cmdType}: no leader answered within ${timeoutMs} ms (last: ${lastProblem})`);
          throw new OmUnavailableError(`OM ${cmdType}: no answer within ${timeoutMs} ms (${this.opts.addresses[index]})`);
        } else {
          throw new OmUnavailableError(`OM ${cmdType} at ${this.opts.addresses[index]}: ${grpcStatusName(e.code)} ${details}`);
        }
        lastProblem = `${this.opts.addresses[index]}: ${grpcStatusName(e.code)} ${details.split("\n")[0]}`;
        if (Date.now() + pause >= deadline) {
          throw new OmUnavailableError(`OM ${cmdType}: no leader answered within ${timeoutMs} ms (last: ${lastProblem})`);
        }
        if (pause > 0) await new Promise((r) => setTimeout(r, pause));
      }
    }
  }

  private async call(index: number, bytes: Buffer, deadline: number): Promise<OmMessage> {
    return decodeOmResponse(await this.channels[index].unary(SERVICE_PATH, bytes, deadline)) as OmMessage;
  }

  close(): void {
    this.closed = true;
    for (const c of this.channels) c.close();
  }
}
