import { contextBridge, ipcRenderer } from "electron";
import { BRIDGE_KEY } from "../shared/transport.ts";
import { createBridge } from "./bridge.ts";

// The preload runs once per page load, so this token names the page now in the window.
contextBridge.exposeInMainWorld(BRIDGE_KEY, createBridge(ipcRenderer, crypto.randomUUID()));
