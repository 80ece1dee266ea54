import type { OrderDeckBridge } from "../../shared/transport.ts";

declare global {
  interface Window {
    /** Present only inside the Electron shell (set by the preload script); absent in browser mode. */
    readonly orderdeck?: OrderDeckBridge;
  }
}
