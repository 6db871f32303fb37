// A plain memberlist node (HashiCorp's memberlist library, no Serf layer, no delegate), used by swift-gossip's
// tests as a second kind of peer: it prints every membership change on standard output, one line each
// ("join NAME ADDR", "leave NAME", "update NAME"), then "ready" once it listens, and leaves gracefully on SIGTERM.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/memberlist"
)

type events struct{ mu sync.Mutex }

func (e *events) print(format string, args ...interface{}) {
	e.mu.Lock()
	defer e.mu.Unlock()
	fmt.Printf(format+"\n", args...)
	os.Stdout.Sync()
}

func (e *events) NotifyJoin(n *memberlist.Node)   { e.print("join %s %s", n.Name, n.Address()) }
func (e *events) NotifyLeave(n *memberlist.Node)  { e.print("leave %s", n.Name) }
func (e *events) NotifyUpdate(n *memberlist.Node) { e.print("update %s", n.Name) }

func main() {
	name := flag.String("name", "go-peer", "node name")
	bind := flag.String("bind", "127.0.0.1", "address to bind")
	port := flag.Int("port", 7946, "port for UDP and TCP")
	join := flag.String("join", "", "comma-separated members to join")
	flag.Parse()

	config := memberlist.DefaultLocalConfig()
	config.Name = *name
	config.BindAddr = *bind
	config.BindPort = *port
	config.AdvertisePort = *port
	config.Events = &events{}
	config.LogOutput = os.Stderr
	list, err := memberlist.Create(config)
	if err != nil {
		fmt.Fprintln(os.Stderr, "create:", err)
		os.Exit(1)
	}
	if *join != "" {
		if _, err := list.Join(strings.Split(*join, ",")); err != nil {
			fmt.Fprintln(os.Stderr, "join:", err)
			os.Exit(2)
		}
	}
	fmt.Println("ready")
	os.Stdout.Sync()
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	<-signals
	list.Leave(5 * time.Second)
	list.Shutdown()
}
