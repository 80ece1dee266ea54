import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.tsx";
import { createLocalClient } from "./local-client.ts";
import "./styles.css";

const container = document.getElementById("root");
if (!container) throw new Error("index.html has no #root element");

const { client, shell } = createLocalClient();
createRoot(container).render(
  <StrictMode>
    <App client={client} shell={shell} />
  </StrictMode>,
);
