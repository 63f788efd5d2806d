// The one door to @peculiar/x509: the CA's other files import the library from here, so its two
// set-up steps happen before any use. Version 2 of the library resolves its algorithms through
// tsyringe, which needs the Reflect metadata API (a polyfill, imported first: ES modules evaluate
// their imports in order); and it signs through a WebCrypto provider, here Node's own.
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto);

export { x509 };
