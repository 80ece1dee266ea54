import { QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.tsx";
import { createLocalClient } from "./local-client.ts";
import { createQueryClient, TRPCProvider } from "./trpc.ts";
import "./styles.css";

const container = document.getElementById("root");
if (!container) throw new Error("index.html has no #root element");

const { client, shell } = createLocalClient();
const queryClient = createQueryClient();
createRoot(container).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={client} queryClient={queryClient}>
        <App shell={shell} />
      </TRPCProvider>
    </QueryClientProvider>
  </StrictMode>,
);
