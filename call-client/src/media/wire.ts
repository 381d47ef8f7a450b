/**
 * Where mediasoup-client's types meet the protocol's schemas. mediasoup-client
 * types some fields wider than the protocol allows (codec and header
 * extension `parameters` are `Record<string, unknown>`; the protocol takes
 * strings, numbers and booleans only, and bounds every array). Instead of a
 * cast, each value is checked against its schema here, so what is sent is
 * what the server will accept, and a mismatch is a coded error at the edge.
 */
import { Value } from '@sinclair/typebox/value';
import type { Static, TSchema } from '@sinclair/typebox';
import { DtlsParameters, RtpCapabilities, RtpParameters } from '@citizen/protocol';

export class WireShapeError extends Error {
  readonly code = 'WIRE_SHAPE';
  constructor(what: string, detail: string) {
    super(`${what} does not fit the protocol: ${detail}`);
    this.name = 'WireShapeError';
  }
}

function checked<T extends TSchema>(schema: T, value: unknown, what: string): Static<T> {
  if (Value.Check(schema, value)) return value;
  const first = Value.Errors(schema, value).First();
  throw new WireShapeError(what, first ? `${first.path || '(root)'}: ${first.message}` : 'invalid');
}

export const wireRtpParameters = (v: unknown): Static<typeof RtpParameters> => checked(RtpParameters, v, 'RTP parameters');
export const wireRtpCapabilities = (v: unknown): Static<typeof RtpCapabilities> => checked(RtpCapabilities, v, 'RTP capabilities');
export const wireDtlsParameters = (v: unknown): Static<typeof DtlsParameters> => checked(DtlsParameters, v, 'DTLS parameters');

/*
 * Server → mediasoup-client. The protocol types some fields as plain strings
 * (ICE candidate types, header extension URIs, fingerprint algorithms) that
 * mediasoup-client narrows to literal unions. The values are mediasoup's own,
 * produced on the server (and checked against the protocol schema on arrival
 * when results are checked); mediasoup-client validates them again when it
 * builds its SDP. These are the only narrowing conversions, all here.
 */
import type { types as msc } from 'mediasoup-client';
import type { TransportParams } from '@citizen/protocol';

export function transportOptions(p: TransportParams): msc.TransportOptions {
  return {
    id: p.id,
    iceParameters: p.iceParameters,
    iceCandidates: p.iceCandidates as msc.IceCandidate[],
    dtlsParameters: p.dtlsParameters as msc.DtlsParameters,
    ...(p.sctpParameters ? { sctpParameters: p.sctpParameters as msc.SctpParameters } : {}),
  };
}

export const consumerRtpParameters = (p: Static<typeof RtpParameters>): msc.RtpParameters => p as msc.RtpParameters;
export const routerCapabilities = (c: Static<typeof RtpCapabilities>): msc.RtpCapabilities => c as msc.RtpCapabilities;
