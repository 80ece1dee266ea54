import { contextBridge, ipcRenderer } from "electron";
import { BRIDGE_KEY, LOCAL_TRPC_CHANNEL, PRINT_CHANNEL, SAVE_AS_PDF_CHANNEL, type OrderDeckBridge } from "../shared/transport.ts";

// The renderer gets one function bound to one channel, never ipcRenderer itself: a compromised
// page must not be able to reach other channels or listen to main-process events.
const bridge: OrderDeckBridge = {
  shell: "electron",
  invokeLocal: (request) => ipcRenderer.invoke(LOCAL_TRPC_CHANNEL, request),
  print: (request) => ipcRenderer.invoke(PRINT_CHANNEL, request),
  saveAsPdf: (request) => ipcRenderer.invoke(SAVE_AS_PDF_CHANNEL, request),
};

contextBridge.exposeInMainWorld(BRIDGE_KEY, bridge);
