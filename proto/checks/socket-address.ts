// envoy.config.core.v3.Address as both planes accept it: a TCP socket address with an IP literal
// (or, in a DNS cluster, a host name) and a port_value. Pipes, named ports and custom resolvers are
// valid Envoy but run by neither plane's consumers, so they are refused here once for both.

import { isAcceptedEnumValue, unsupportedEnumValueMessage } from "../enum-support.js";
import type { Address, SocketAddress } from "../gen/envoy/config/core/v3/address.js";
import { joinPath } from "../json-shared.js";
import { enumDescriptor } from "../registry.js";
import { isHostname } from "./hostname.js";
import { isIp } from "./ip-address.js";
import { checkPort } from "./port.js";
import { CheckCode, type CheckProblem } from "./problem.js";

/** What the host part of an address may be: listeners, EDS and STATIC need IPs; DNS clusters resolve names. */
export type HostRule = "ip" | "ip-or-hostname";

const PROTOCOL_ENUM = "envoy.config.core.v3.SocketAddress.Protocol";

/** An Address that must be a socket address with a host and a port in 1-65535. */
export function* checkAddress(path: string, address: Address | undefined, host: HostRule): Generator<CheckProblem> {
  if (address === undefined) {
    yield { code: CheckCode.addressMissing, path, detail: "an address (socket_address) is required" };
  } else if (address.pipe !== undefined) {
    yield {
      code: CheckCode.pipeAddress,
      path: joinPath(path, "pipe"),
      detail: "Unix domain socket (pipe) addresses are not supported",
    };
  } else if (address.socketAddress === undefined) {
    yield {
      code: CheckCode.socketAddressMissing,
      path: joinPath(path, "socket_address"),
      detail: "a socket_address is required",
    };
  } else {
    yield* checkSocketAddress(joinPath(path, "socket_address"), address.socketAddress, host);
  }
}

export function* checkSocketAddress(path: string, socket: SocketAddress, host: HostRule): Generator<CheckProblem> {
  const at = joinPath(path, "address");
  if (socket.address === "") {
    yield { code: CheckCode.hostMissing, path: at, detail: "an address is required" };
  } else if (!isIp(socket.address)) {
    if (host === "ip") {
      yield {
        code: CheckCode.hostNotIp,
        path: at,
        detail: `"${socket.address}" is not an IP literal (IPv4 or IPv6); only DNS clusters (STRICT_DNS, LOGICAL_DNS) take host names`,
      };
    } else if (!isHostname(socket.address)) {
      yield {
        code: CheckCode.hostNotHostname,
        path: at,
        detail: `"${socket.address}" is neither an IP literal nor a host name`,
      };
    }
  }
  if (socket.namedPort !== undefined) {
    yield {
      code: CheckCode.namedPort,
      path: joinPath(path, "named_port"),
      detail: "named ports are not supported; use port_value",
    };
  } else if (socket.portValue === undefined) {
    yield { code: CheckCode.portMissing, path: joinPath(path, "port_value"), detail: "a port_value is required" };
  } else {
    yield* checkPort(joinPath(path, "port_value"), socket.portValue);
  }
  yield* checkProtocol(joinPath(path, "protocol"), socket.protocol);
  if (socket.resolverName !== "") {
    yield {
      code: CheckCode.resolverUnsupported,
      path: joinPath(path, "resolver_name"),
      detail: "custom resolvers are not supported",
    };
  }
}

/** TCP only: the one value of SocketAddress.Protocol Weft accepts (proto/enum-support.ts). */
function* checkProtocol(path: string, protocol: number): Generator<CheckProblem> {
  const name = enumDescriptor(PROTOCOL_ENUM)?.value[protocol]?.name;
  if (name === undefined) {
    yield { code: CheckCode.protocolUnknown, path, detail: `${protocol} is not a SocketAddress.Protocol` };
  } else if (!isAcceptedEnumValue(PROTOCOL_ENUM, name)) {
    yield { code: CheckCode.protocolUnsupported, path, detail: unsupportedEnumValueMessage(PROTOCOL_ENUM, name) };
  }
}
