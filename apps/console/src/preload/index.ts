import { contextBridge, ipcRenderer } from "electron";
import { BRIDGE_KEY, LOCAL_TRPC_CHANNEL, type OrderDeckBridge } from "../shared/transport.ts";

// The renderer gets one function bound to one channel, never ipcRenderer itself: a compromised
// page must not be able to reach other channels or listen to main-process events.
const bridge: OrderDeckBridge = {
  shell: "electron",
  invokeLocal: (request) => ipcRenderer.invoke(LOCAL_TRPC_CHANNEL, request),
};

contextBridge.exposeInMainWorld(BRIDGE_KEY, bridge);
