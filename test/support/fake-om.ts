/**
 * A fake Ozone Manager: a grpc-js server speaking Ozone's OM gRPC service with our proto subset,
 * answering what the test says; and an address nothing listens on (an OM that is down).
 */
import net from "node:net";
import * as grpc from "@grpc/grpc-js";
import { decodeMessage, encodeMessage, ozoneProto } from "../../runtime/storage/ozone/proto/index.js";
import type { OmMessage } from "../../runtime/storage/ozone/om-client.js";

export type Answer = (request: OmMessage) => OmMessage | { grpcError: grpc.status; details: string };

export interface FakeOm {
  address: string;
  requests: OmMessage[];
  close(): Promise<void>;
}

/** A fake OM: decodes each OMRequest, records it, and answers what `answer` says. */
export async function fakeOm(answer: Answer): Promise<FakeOm> {
  const server = new grpc.Server();
  const requests: OmMessage[] = [];
  server.addService(
    {
      submitRequest: {
        path: "/hadoop.ozone.OzoneManagerService/submitRequest",
        requestStream: false,
        responseStream: false,
        requestSerialize: (m: OmMessage) => encodeMessage(ozoneProto.OMRequest, m),
        requestDeserialize: (b: Buffer) => decodeMessage(ozoneProto.OMRequest, b) as OmMessage,
        responseSerialize: (m: OmMessage) => encodeMessage(ozoneProto.OMResponse, m),
        responseDeserialize: (b: Buffer) => decodeMessage(ozoneProto.OMResponse, b) as OmMessage,
      },
    },
    {
      submitRequest: (call: grpc.ServerUnaryCall<OmMessage, OmMessage>, callback: grpc.sendUnaryData<OmMessage>) => {
        requests.push(call.request);
        const a = answer(call.request);
        if ("grpcError" in a) callback({ code: a.grpcError, details: a.details } as grpc.ServiceError);
        else callback(null, { cmdType: call.request.cmdType, status: "OK", success: true, ...a });
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    address: `127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

/** A port nothing listens on. */
export async function closedPort(): Promise<string> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return `127.0.0.1:${port}`;
}
